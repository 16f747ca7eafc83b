"""``manage.py load_demo``: load (or restore) the demo hospital and print the demo logins.

``make demo`` runs it before starting the server; running it again changes nothing.
"""

from __future__ import annotations

import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from wenming.alerts.demo import load_demo_alerts
from wenming.comments.demo import load_demo_comments
from wenming.commitments.demo import load_demo_commitments
from wenming.complaints.demo import load_demo_complaints
from wenming.evaluations.demo import load_demo_evaluations
from wenming.feedback.services import rating_codes_ensure
from wenming.followups.demo import load_demo_followups
from wenming.inspections.demo import load_demo_inspections
from wenming.org import demo
from wenming.org.models import (
    Department,
    DepartmentCategory,
    PartyOrganization,
    PartyOrgKind,
    Role,
    Staff,
    StaffStatus,
)
from wenming.questionnaires.demo import load_demo_questionnaires
from wenming.rounds.demo import load_demo_rounds
from wenming.satisfaction.demo import load_demo_satisfaction
from wenming.scoring.demo import load_demo_scores
from wenming.standards.demo import load_example_standards


def _width(text: str) -> int:
    """Columns a string takes in a terminal (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Load the demo hospital (江城市第一人民医院: departments, staff, party organisation, one login per role). "
        "Idempotent: a second run changes nothing. Sets the demo accounts' password to the demo password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the demo even though the database holds an organisation the demo did not create.",
        )

    def handle(self, *args, force: bool = False, **options):
        started = time.perf_counter()
        try:
            result = demo.load_demo(force=force)
        except demo.NotADemoDatabase:
            raise CommandError(
                _(
                    "This database already holds a hospital that load_demo did not create. The demo would "
                    "overwrite departments and staff with the same codes and add demo accounts with a public "
                    "password. Use an empty database for the demo, or --force if you really mean it."
                )
            ) from None
        standards = load_example_standards()
        comments = load_demo_comments()
        scores = load_demo_scores()
        questionnaires = load_demo_questionnaires()
        patrols = load_demo_inspections()
        complaints = load_demo_complaints()
        followups = load_demo_followups()
        alerts = load_demo_alerts()
        rating_codes_ensure()  # a QR code for every department and staff member in post
        load_demo_satisfaction()  # the public 满意度公示 page published
        evaluations = load_demo_evaluations()
        rounds = load_demo_rounds()
        commitments = load_demo_commitments()  # after the rounds: its reviews read the peers' round
        elapsed = time.perf_counter() - started
        self._summary(result, elapsed)
        for outcome in standards:
            self.stdout.write(
                "  "
                + _("Standard %(code)s %(name)s: version %(number)s")
                % {
                    "code": outcome.version.standard.code,
                    "name": outcome.version.name,
                    "number": outcome.version.number,
                }
            )
        self.stdout.write(
            "  "
            + _(
                "Scores: %(records)d records and %(feedback)d patient ratings added; "
                "%(computed)d periods computed, %(finalized)d finalized."
            )
            % {
                "records": scores.records,
                "feedback": scores.feedback,
                "computed": len(scores.computed),
                "finalized": len(scores.finalized),
            }
        )
        self.stdout.write(
            "  "
            + _(
                "Inspections: %(rounds)d rounds with %(findings)d findings and %(photos)d photos, "
                "%(appeals)d appeals; %(items)d rectification items."
            )
            % {
                "rounds": patrols.rounds,
                "findings": patrols.findings,
                "photos": patrols.photos,
                "appeals": patrols.appeals,
                "items": patrols.items,
            }
        )
        self.stdout.write(
            "  "
            + _("Questionnaires: %(created)d put in use; %(answered)d patient ratings with answers.")
            % {"created": questionnaires.created, "answered": questionnaires.answered}
        )
        self.stdout.write(
            "  "
            + _("Complaints and praise: %(cases)d cases, %(records)d score records, %(items)d ledger items.")
            % {"cases": complaints.created, "records": complaints.records, "items": complaints.items}
        )
        if followups is not None:
            self.stdout.write(
                "  "
                + _("Follow-up calls: %(patients)d discharged patients in %(name)s, %(calls)d drawn for calling.")
                % {"patients": followups.patient_count, "name": followups.name, "calls": followups.calls.count()}
            )
        self.stdout.write(
            "  "
            + _(
                "Patient comments: %(comments)d demo comments added; alerts: %(raised)d raised, "
                "%(acknowledged)d acknowledged."
            )
            % {"comments": comments, "raised": alerts.raised, "acknowledged": alerts.acknowledged}
        )
        self.stdout.write(
            "  "
            + _(
                "Ethics evaluation: %(cycles)d years added (%(members)d people this year); "
                "evaluation rounds added: %(rounds)d; public commitments added: %(commitments)d."
            )
            % {
                "cycles": evaluations.cycles,
                "members": evaluations.members,
                "rounds": len(rounds.created),
                "commitments": commitments["commitments"],
            }
        )
        self._logins()

    def _summary(self, result: demo.LoadResult, elapsed: float) -> None:
        def line(text: str, style=None) -> None:
            self.stdout.write("  " + text, style)

        self.stdout.write(
            _("Demo hospital %(name)s loaded in %(seconds).1f s.")
            % {"name": demo.HOSPITAL["name"], "seconds": elapsed},
            self.style.SUCCESS,
        )
        by_category = dict(Department.objects.values_list("category").annotate(n=Count("pk")).order_by())
        categories = ", ".join(f"{label} {by_category.get(value, 0)}" for value, label in DepartmentCategory.choices)
        line(
            _("Departments: %(total)d (%(categories)s)")
            % {"total": sum(by_category.values()), "categories": categories}
        )
        staff = Staff.objects.aggregate(
            total=Count("pk"),
            active=Count("pk", filter=Q(status=StaffStatus.ACTIVE)),
            party=Count("pk", filter=Q(is_party_member=True, status=StaffStatus.ACTIVE)),
        )
        line(
            _("Staff: %(total)d (%(active)d in post, %(left)d left), %(party)d party members in post")
            % {**staff, "left": staff["total"] - staff["active"]}
        )
        orgs = dict(PartyOrganization.objects.values_list("kind").annotate(n=Count("pk")).order_by())
        line(
            _("Party organisation: %(committees)d committee, %(general)d general branches, %(branches)d branches")
            % {
                "committees": orgs.get(PartyOrgKind.COMMITTEE, 0),
                "general": orgs.get(PartyOrgKind.GENERAL_BRANCH, 0),
                "branches": orgs.get(PartyOrgKind.BRANCH, 0),
            }
        )
        if not result.changed:
            line(_("Nothing to change: the demo was already loaded."))
        if created := sum(result.created.values()):
            line(_("This run created %(count)d rows.") % {"count": created})
        if updated := sum(result.updated.values()):
            line(
                _("This run put %(count)d changed rows back to their demo values.") % {"count": updated},
                self.style.WARNING,
            )
        if result.passwords_set:
            line(
                _("Password set to the demo password for: %(usernames)s")
                % {"usernames": ", ".join(result.passwords_set)},
                self.style.WARNING,
            )
        else:
            line(_("The demo accounts already have the demo password."))
        if result.lockouts_cleared:
            line(_("Cleared %(count)d failed-login records of the demo accounts.") % {"count": result.lockouts_cleared})

    def _logins(self) -> None:
        """The demo accounts: who each one is (from the database) and what they see."""
        people = {
            staff.user.username: staff
            for staff in Staff.objects.filter(user__username__in=[a.username for a in demo.DEMO_ACCOUNTS])
            .select_related("user", "department")
            .order_by()
        }
        rows = []
        for account in demo.DEMO_ACCOUNTS:
            staff = people.get(account.username)
            who = f"{staff.name} · {staff.post} · {staff.department.name}" if staff else "—"
            sees = str(account.sees) % {"department": staff.department.name if staff else ""}
            rows.append([account.username, demo.DEMO_PASSWORD, str(Role(account.role).label), who, sees])
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_("Demo logins (the password is for this demo only):")))
        self.stdout.write(table([_("Username"), _("Password"), _("Role"), _("Who"), _("Sees")], rows))
        self.stdout.write(
            _("The demo password is published with the code: never load the demo into a database that real people use.")
        )
