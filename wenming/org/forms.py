"""Forms of the organisation directory. They validate what was typed and hand clean values to the
services; the services hold the rules (and say so with ValidationErrors the views attach here)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import StyledFormMixin, VersionedFormMixin

from . import services
from .models import (
    Department,
    DepartmentCategory,
    Gender,
    Hospital,
    PartyOrganization,
    PartyOrgKind,
    Role,
    Staff,
    StaffStatus,
)
from .selectors import STATUS_ALL, department_tree


def _label(model, field: str):
    """The model field's verbose name, capitalised as a form label (lazy, so translated at render)."""
    return capfirst(model._meta.get_field(field).verbose_name)


def _indented(level: int, text: str) -> str:
    return "\u00a0\u00a0\u00a0" * level + text


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments by code, labelled "name (code)" and indented by their place in the tree."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Department) -> str:
        text = f"{obj.name} ({obj.code})"
        if not obj.is_active:
            text = f"{text} · {_('inactive')}"
        return _indented(getattr(obj, "level", obj.depth), text)


class DepartmentMultipleChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Department) -> str:
        return _indented(obj.depth, f"{obj.name} ({obj.code})")


class SortOrderField(forms.IntegerField):
    """Position among siblings; empty means 0."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("initial", 0)
        kwargs.setdefault("help_text", _("Smaller numbers come first; equal numbers are ordered by code."))
        super().__init__(**kwargs)

    def clean(self, value):
        return super().clean(value) or 0


def set_tree_choices(field: DepartmentChoiceField, departments: list[Department]) -> None:
    """Show ``departments`` (already in tree order, from one query) as the field's options.
    Call it after setting the field's queryset, which is still what validation checks against."""
    choices = [("", field.empty_label)] if field.empty_label is not None else []
    choices += [(d.code, field.label_from_instance(d)) for d in departments]
    field.widget.choices = choices


def _field_error(error: ValidationError, field: str) -> ValidationError:
    """A service's ``{field: messages}`` error as a plain error for that field's ``clean_<field>``."""
    return ValidationError(error.message_dict[field]) if hasattr(error, "error_dict") else error


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form: each message beside its field when the form
    has that field, otherwise at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Departments ------------------------------------------------------------------------------


class DepartmentForm(VersionedFormMixin, StyledFormMixin, forms.Form):
    """Create (``department=None``) or edit a department. The code is typed only when creating."""

    code = forms.CharField(
        label=_label(Department, "code"),
        max_length=32,
        help_text=_("Used by imports to recognise the department; it cannot be changed later."),
    )
    name = forms.CharField(label=_label(Department, "name"), max_length=100)
    parent = DepartmentChoiceField(
        label=_label(Department, "parent"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("(top level)"),
    )
    category = forms.ChoiceField(label=_label(Department, "category"), choices=DepartmentCategory.choices)
    head = forms.ModelChoiceField(
        label=_label(Department, "head"),
        queryset=Staff.objects.none(),
        required=False,
        to_field_name="staff_no",
        help_text=_("A staff member in post in this department or one of its sub-departments."),
    )
    sort_order = SortOrderField(label=_label(Department, "sort_order"))
    is_active = forms.BooleanField(
        label=_label(Department, "is_active"),
        required=False,
        initial=True,
        help_text=_("An inactive department is hidden from lists and cannot receive new staff."),
    )

    conflict_fields = ("name", "parent", "category", "head", "sort_order", "is_active")

    def __init__(self, *args, access, department: Department | None = None, **kwargs):
        self.department = department
        if department is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": department.name,
                "parent": department.parent.code if department.parent_id else None,
                "category": department.category,
                "head": department.head.staff_no if department.head_id else None,
                "sort_order": department.sort_order,
                "is_active": department.is_active,
                "version": department.version,
            }
        super().__init__(*args, **kwargs)
        # Parent: active departments, never the department itself or one under it (a loop);
        # the current parent stays available even if it has since been deactivated.
        parents = access.departments().filter(is_active=True)
        if department is not None:
            parents = (
                access.departments()
                .filter(Q(is_active=True) | Q(pk=department.parent_id))
                .exclude(path__startswith=department.path)
            )
        self.fields["parent"].queryset = parents
        tree = [
            d
            for d in department_tree(access=access, include_inactive=True)
            if (d.is_active or (department is not None and d.pk == department.parent_id))
            and not (department is not None and d.path.startswith(department.path))
        ]
        set_tree_choices(self.fields["parent"], tree)
        if department is None:
            del self.fields["head"]
        else:
            del self.fields["code"]
            self.fields["head"].queryset = (
                access.staff()
                .filter(status=StaffStatus.ACTIVE, department__path__startswith=department.path)
                .select_related("department")
                .order_by("department__path", "staff_no")
            )
            self.fields["head"].label_from_instance = lambda s: f"{s.name} ({s.staff_no} · {s.department.name})"
            self.add_version_field(department.version)


# --- Staff ------------------------------------------------------------------------------------


class StaffForm(VersionedFormMixin, StyledFormMixin, forms.Form):
    """Create (``staff=None``) or edit a staff member. The staff number is typed only when creating."""

    staff_no = forms.CharField(
        label=_label(Staff, "staff_no"),
        max_length=32,
        help_text=_("Also the login name of their account; it cannot be changed later."),
    )
    name = forms.CharField(label=_label(Staff, "name"), max_length=50)
    gender = forms.ChoiceField(label=_label(Staff, "gender"), choices=[("", "—"), *Gender.choices], required=False)
    department = DepartmentChoiceField(label=_label(Staff, "department"), queryset=Department.objects.none())
    title = forms.CharField(label=_label(Staff, "title"), max_length=50, required=False)
    post = forms.CharField(label=_label(Staff, "post"), max_length=50, required=False)
    is_party_member = forms.BooleanField(label=_label(Staff, "is_party_member"), required=False)
    party_branch = forms.ModelChoiceField(
        label=_label(Staff, "party_branch"),
        queryset=PartyOrganization.objects.all(),
        to_field_name="code",
        required=False,
    )
    phone = forms.CharField(
        label=_label(Staff, "phone"),
        max_length=11,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("11-digit mainland mobile number; shown masked to everyone but the office and the person."),
    )

    conflict_fields = ("name", "gender", "department", "title", "post", "is_party_member", "party_branch", "phone")

    def __init__(self, *args, access, staff: Staff | None = None, **kwargs):
        self.staff = staff
        if staff is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": staff.name,
                "gender": staff.gender,
                "department": staff.department.code,
                "title": staff.title,
                "post": staff.post,
                "is_party_member": staff.is_party_member,
                "party_branch": staff.party_branch.code if staff.party_branch_id else None,
                "phone": staff.phone,
                "version": staff.version,
            }
        super().__init__(*args, **kwargs)
        departments = access.departments().filter(is_active=True)
        tree = department_tree(access=access)
        if staff is not None:
            # Their current department stays selectable even if it has been deactivated since.
            departments = access.departments().filter(Q(is_active=True) | Q(pk=staff.department_id))
            if not staff.department.is_active:
                tree.insert(0, staff.department)
            del self.fields["staff_no"]
            self.add_version_field(staff.version)
        self.fields["department"].queryset = departments
        set_tree_choices(self.fields["department"], tree)
        self.fields["party_branch"].label_from_instance = lambda o: f"{o.name} ({o.code})"

    def clean_phone(self) -> str:
        try:
            return services.validate_phone(self.cleaned_data.get("phone", ""))
        except ValidationError as error:
            raise _field_error(error, "phone") from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("party_branch") and not cleaned.get("is_party_member"):
            self.add_error("party_branch", _("Only a party member can belong to a party branch."))
        return cleaned


class StaffStatusForm(forms.Form):
    """Mark left / reinstate, posted from the edit page with the version it was opened with."""

    action = forms.ChoiceField(choices=[("mark_left", "mark_left"), ("reinstate", "reinstate")])
    left_on = forms.DateField(required=False)
    version = forms.IntegerField(min_value=1)


class StaffFilterForm(StyledFormMixin, forms.Form):
    """The staff list's search and filters (GET). Department choices are those the person may see."""

    STATUS_CHOICES = [
        (StaffStatus.ACTIVE, StaffStatus.ACTIVE.label),
        (StaffStatus.LEFT, StaffStatus.LEFT.label),
        (STATUS_ALL, _("All")),
    ]
    PARTY_CHOICES = [("", _("All")), ("yes", _("Party members")), ("no", _("Not party members"))]

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, staff number or pinyin initials"), "autocomplete": "off"}
        ),
    )
    department = DepartmentChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False, empty_label=_("All departments")
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    party = forms.ChoiceField(label=_("Party member"), choices=PARTY_CHOICES, required=False)

    def __init__(self, *args, access, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = access.departments()
        tree = department_tree(access=access, include_inactive=True)
        set_tree_choices(self.fields["department"], tree)

    def search_arguments(self) -> dict | None:
        """Keyword arguments for ``selectors.staff_search`` (without ``access``), or None when the
        filters are invalid (e.g. a department the person may not see): the list then shows nothing."""
        if not self.is_bound:
            return {"status": StaffStatus.ACTIVE}
        if not self.is_valid():
            return None
        data = self.cleaned_data
        party = {"yes": True, "no": False}.get(data.get("party") or "")
        return {
            "q": data.get("q") or "",
            "department_code": data["department"].code if data.get("department") else "",
            "status": data.get("status") or StaffStatus.ACTIVE,
            "party": party,
        }


class StaffAccountForm(StyledFormMixin, forms.Form):
    """A staff member's login account: create it / reset the password, enable, roles.

    Only a system administrator is offered the system administrator role; for everyone else an
    account's current administrator role is carried over untouched."""

    password1 = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password. Give it to the person; they can change it later."),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    is_active = forms.BooleanField(label=_("Account enabled"), required=False, initial=True)
    roles = forms.MultipleChoiceField(label=_("Roles"), required=False, widget=forms.CheckboxSelectMultiple)
    head_departments = DepartmentMultipleChoiceField(
        label=_("Departments led (for a department head)"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("Each department includes the departments under it."),
    )

    def __init__(self, *args, access, staff: Staff, current_roles: list, **kwargs):
        self.staff = staff
        self.by_admin = access.is_system_admin
        held = {a.role for a in current_roles}
        self.held_admin = Role.SYSTEM_ADMIN in held
        if "initial" not in kwargs:
            head = next((a for a in current_roles if a.role == Role.DEPARTMENT_HEAD), None)
            kwargs["initial"] = {
                "is_active": staff.user.is_active if staff.user_id else True,
                "roles": sorted(held & set(services.ASSIGNABLE_ROLES)),
                "head_departments": [d.code for d in head.departments.all()] if head else [],
            }
        super().__init__(*args, **kwargs)
        offered = [r for r in services.ASSIGNABLE_ROLES if r != Role.SYSTEM_ADMIN or self.by_admin]
        self.fields["roles"].choices = [(r.value, r.label) for r in offered]
        self.fields["roles"].widget.attrs["class"] = "form-check-input"
        self.fields["head_departments"].queryset = access.departments().filter(is_active=True).order_by("path")
        self.fields["head_departments"].widget.attrs["size"] = 8
        if staff.user_id is None:
            self.fields["password1"].required = True
            self.fields["password1"].label = _("Initial password")
            self.fields["password1"].help_text = _(
                "The login name will be the staff number. Give the person this password."
            )
            self.fields["password2"].required = True

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords are not the same."))
        roles = set(cleaned.get("roles") or [])
        if self.held_admin and not self.by_admin:
            roles.add(Role.SYSTEM_ADMIN)
        cleaned["roles"] = roles
        if Role.DEPARTMENT_HEAD in roles and not cleaned.get("head_departments"):
            self.add_error("head_departments", _("Choose the department(s) this head is responsible for."))
        return cleaned


# --- Party organisations, hospital --------------------------------------------------------------


class PartyOrgForm(StyledFormMixin, forms.Form):
    """Create (``org=None``) or edit a party organisation; the secretary is given by staff number."""

    code = forms.CharField(label=_label(PartyOrganization, "code"), max_length=32)
    name = forms.CharField(label=_label(PartyOrganization, "name"), max_length=100)
    kind = forms.ChoiceField(label=_label(PartyOrganization, "kind"), choices=PartyOrgKind.choices)
    parent = forms.ModelChoiceField(
        label=_label(PartyOrganization, "parent"),
        queryset=PartyOrganization.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("(top level)"),
    )
    secretary = forms.CharField(
        label=_("Secretary's staff number"),
        max_length=32,
        required=False,
        help_text=_("A party member in post; leave empty if there is none."),
    )
    sort_order = SortOrderField(label=_label(PartyOrganization, "sort_order"))

    def __init__(self, *args, org: PartyOrganization | None = None, **kwargs):
        self.org = org
        if org is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": org.name,
                "kind": org.kind,
                "parent": org.parent.code if org.parent_id else None,
                "secretary": org.secretary.staff_no if org.secretary_id else "",
                "sort_order": org.sort_order,
            }
        super().__init__(*args, **kwargs)
        parents = PartyOrganization.objects.exclude(kind=PartyOrgKind.BRANCH)
        if org is not None:
            del self.fields["code"]
            parents = parents.exclude(pk=org.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].label_from_instance = lambda o: f"{o.name} ({o.code})"

    def clean_secretary(self) -> Staff | None:
        staff_no = (self.cleaned_data.get("secretary") or "").strip()
        if not staff_no:
            return None
        staff = Staff.objects.filter(staff_no=staff_no).first()
        if staff is None:
            raise ValidationError(_("No staff member has this number."))
        return staff


class HospitalForm(VersionedFormMixin, StyledFormMixin, forms.Form):
    name = forms.CharField(label=_label(Hospital, "name"), max_length=100)
    short_name = forms.CharField(
        label=_label(Hospital, "short_name"),
        max_length=30,
        required=False,
        help_text=_("Shown in the menu bar and page titles."),
    )
    logo = forms.ImageField(
        label=_label(Hospital, "logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*"}),
        help_text=_("An image (PNG or JPEG), shown small in the menu bar."),
    )
    clear_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)
    time_zone = forms.CharField(
        label=_label(Hospital, "time_zone"),
        max_length=64,
        initial="Asia/Shanghai",
        help_text=_("Dates and times are shown in this time zone, for example Asia/Shanghai."),
    )

    conflict_fields = ("name", "short_name", "time_zone")

    def __init__(self, *args, hospital: Hospital, **kwargs):
        self.hospital = hospital
        if "initial" not in kwargs:
            kwargs["initial"] = {
                "name": hospital.name,
                "short_name": hospital.short_name,
                "time_zone": hospital.time_zone,
            }
        super().__init__(*args, **kwargs)
        if not hospital.logo:
            del self.fields["clear_logo"]
        self.add_version_field(hospital.version)

    def clean_time_zone(self) -> str:
        try:
            return services.validate_time_zone(self.cleaned_data.get("time_zone", ""))
        except ValidationError as error:
            raise _field_error(error, "time_zone") from None
