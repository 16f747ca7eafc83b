from django.urls import path

from .views import directory, imports

app_name = "org"

urlpatterns = [
    # Departments, staff, party organisation, hospital settings (views/directory.py)
    path("departments/", directory.department_list, name="departments"),
    path("departments/new/", directory.department_create, name="department_create"),
    path("departments/<str:code>/", directory.department_detail, name="department_detail"),
    path("departments/<str:code>/edit/", directory.department_edit, name="department_edit"),
    path("staff/", directory.staff_list, name="staff"),
    path("staff/export.xlsx", directory.staff_export, name="staff_export"),
    path("staff/new/", directory.staff_create, name="staff_create"),
    path("staff/<str:staff_no>/", directory.staff_detail, name="staff_detail"),
    path("staff/<str:staff_no>/edit/", directory.staff_edit, name="staff_edit"),
    path("staff/<str:staff_no>/account/", directory.staff_account, name="staff_account"),
    path("party/", directory.party_list, name="party"),
    path("hospital/", directory.hospital_edit, name="hospital_edit"),
    # Import from files (views/imports.py)
    path("import/", imports.import_start, name="import"),
    path("import/<int:pk>/", imports.import_detail, name="import_detail"),
    path("import/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path("import/<int:pk>/cancel/", imports.import_cancel, name="import_cancel"),
    path("import/<int:pk>/progress/", imports.import_progress, name="import_progress"),
]
