// The plan form: filter the department checkboxes by code or name. Without JavaScript the whole
// list is shown (the search box stays hidden).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[data-filter]").forEach(function (box) {
    var list = document.querySelector(box.dataset.filter);
    if (!list) return;
    box.hidden = false;
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase();
      list.querySelectorAll("[data-search]").forEach(function (row) {
        row.hidden = words !== "" && row.dataset.search.toLowerCase().indexOf(words) === -1;
      });
    });
  });
});
