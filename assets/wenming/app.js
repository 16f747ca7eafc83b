// Small behaviours shared by every page. Pages work without JavaScript; this only adds comfort.
document.addEventListener("htmx:responseError", function (event) {
  var box = document.getElementById("messages");
  if (!box) return;
  var div = document.createElement("div");
  div.className = "alert alert-danger";
  div.setAttribute("role", "alert");
  div.textContent = document.body.dataset.msgRequestFailed + " (" + event.detail.xhr.status + ")";
  box.appendChild(div);
});
