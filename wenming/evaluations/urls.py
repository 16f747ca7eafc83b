from django.urls import path

from .views import archive, cycles, daily, steps

app_name = "evaluations"

urlpatterns = [
    path("", cycles.cycle_list, name="list"),
    path("new/", cycles.cycle_new, name="new"),
    path("<int:year>/", cycles.cycle_detail, name="detail"),
    path("<int:year>/move/<str:direction>/", cycles.cycle_move, name="move"),
    path("<int:year>/self/", cycles.self_evaluation, name="self"),
    path("<int:year>/departments/<str:code>/", steps.department_panel, name="department"),
    path("<int:year>/committee/", steps.committee, name="committee"),
    path("<int:year>/committee/accept/", steps.committee_accept, name="committee_accept"),
    path("<int:year>/committee/<int:pk>/", steps.committee_decide, name="decide"),
    path("<int:year>/publicity/", steps.publicity, name="publicity"),
    path("<int:year>/objections/<int:pk>/review/", steps.objection_review, name="review"),
    path("<int:year>/records/", daily.records, name="records"),
    path("<int:year>/records/<int:pk>/", daily.record_detail, name="record"),
    path("<int:year>/eligibility/", archive.eligibility_page, name="eligibility"),
    path("<int:year>/eligibility.xlsx", archive.eligibility_export, name="eligibility_xlsx"),
]
