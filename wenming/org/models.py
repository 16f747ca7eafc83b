"""The hospital, its departments (a tree), its staff, its party organisation and who may do what."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.core.storage import private_storage


class Hospital(models.Model):
    """The one hospital this installation serves (a singleton, pk=1)."""

    name = models.CharField(_("hospital name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    logo = models.ImageField(_("logo"), upload_to="hospital/", blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("hospital")
        verbose_name_plural = _("hospital")

    def __str__(self) -> str:
        return self.name


class DepartmentCategory(models.TextChoices):
    CLINICAL = "clinical", _("Clinical")
    MEDTECH = "medtech", _("Medical technology")
    NURSING = "nursing", _("Nursing")
    ADMIN = "admin", _("Administration and logistics")


class Department(models.Model):
    """A department (科室) or ward; ``parent`` makes the tree.

    ``path`` is the materialised chain of codes from the root (``D01/D0101/``) so a
    subtree is one ``startswith`` query; services keep it in step with ``parent``.
    """

    code = models.CharField(_("department code"), max_length=32, unique=True)
    name = models.CharField(_("department name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    category = models.CharField(_("category"), max_length=16, choices=DepartmentCategory.choices)
    is_active = models.BooleanField(_("active"), default=True)
    head = models.ForeignKey(
        "Staff",
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The department head (科主任) or head nurse shown on the department's pages."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    path = models.CharField(max_length=500, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        return f"{prefix}{self.code}/"


class StaffStatus(models.TextChoices):
    ACTIVE = "active", _("In post")
    LEFT = "left", _("Left")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Staff(models.Model):
    """An employee (职工), known by their staff number (工号). Never deleted: they leave."""

    staff_no = models.CharField(_("staff number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    # Pinyin initials of the name (周涛 → "zt") and the full pinyin ("zhoutao"), for search.
    name_initials = models.CharField(max_length=50, blank=True, db_index=True, editable=False)
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="staff"
    )
    title = models.CharField(_("professional title"), max_length=50, blank=True)
    post = models.CharField(_("post"), max_length=50, blank=True)
    is_party_member = models.BooleanField(_("party member"), default=False)
    party_branch = models.ForeignKey(
        "PartyOrganization",
        verbose_name=_("party branch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    phone = models.CharField(_("mobile"), max_length=11, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=StaffStatus.choices, default=StaffStatus.ACTIVE)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["staff_no"]
        indexes = [models.Index(fields=["department", "status"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.staff_no}）"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


def mask_phone(phone: str) -> str:
    """138****0000 for an 11-digit mobile; anything else is hidden entirely."""
    if not phone:
        return ""
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[7:]}"
    return "****"


class PartyOrgKind(models.TextChoices):
    COMMITTEE = "committee", _("Party committee")
    GENERAL_BRANCH = "general_branch", _("Secondary committee / general branch")
    BRANCH = "branch", _("Party branch")


class PartyOrganization(models.Model):
    """党委 → 二级党委/总支 → 支部. Staff belong to a branch."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("level"), max_length=16, choices=PartyOrgKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    secretary = models.ForeignKey(
        Staff,
        verbose_name=_("secretary"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    OFFICE = "office", _("Civility office")
    LEADERSHIP = "leadership", _("Leadership group")
    INSPECTOR = "inspector", _("Inspector")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    STAFF = "staff", _("Staff member")


class RoleAssignment(models.Model):
    """A role given to a login account. A department head's role names their department(s);
    it covers each named department and the departments under it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    departments = models.ManyToManyField(Department, verbose_name=_("departments"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="org_roleassignment_unique_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class OrgImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    INVALID = "invalid", _("Refused: the files have errors")
    PREVIEWED = "previewed", _("Checked, waiting for confirmation")
    QUEUED = "queued", _("Waiting to run")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class OrgImport(models.Model):
    """One organisation import started from the web page: upload → preview → confirm → run.
    The files are kept so the background task reads exactly what was previewed."""

    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    departments_file = models.FileField(
        _("departments file"), upload_to="imports/org/", storage=private_storage, blank=True
    )
    departments_name = models.CharField(max_length=200, blank=True)
    staff_file = models.FileField(_("staff file"), upload_to="imports/org/", storage=private_storage, blank=True)
    staff_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=OrgImportStatus.choices, default=OrgImportStatus.UPLOADED
    )
    # Problems found, as shown to the user: [{"file": "staff", "where": "第 4 行", "message": "…"}].
    errors = models.JSONField(default=list, blank=True)
    # What the import will change / changed: counts and a sample of the rows.
    preview = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("organisation import")
        verbose_name_plural = _("organisation imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.departments_name} {self.staff_name}".strip()

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)
