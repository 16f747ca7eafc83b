"""Comments for the demo hospital's comment analysis: the scoring demo's feedback carries a handful
of stock comments, so each clinical department gets a dozen patients' comments of its own this month
(praise, waiting times, fees, the odd 红包), valid feedback from the QR page.

Deterministic (a seeded random per department and month) and idempotent: the rows carry external
ids ``demo-comments-<month>-<department>-<n>``; a second run adds nothing. Only the current month
(up to yesterday) is written, so no finalized scoring period changes; load it before the scores are
computed and this month's satisfaction counts them.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from wenming.feedback.models import Channel, Feedback
from wenming.org.models import Department, DepartmentCategory
from wenming.org.selectors import current_hospital, hospital_today
from wenming.scoring.periods import local_date

PREFIX = "demo-comments-"
PER_DEPARTMENT = (8, 14)

# (overall rating, comment): what patients write, most of it good.
COMMENTS: tuple[tuple[int, str], ...] = (
    (5, "护士很耐心，打针一点都不疼，谢谢！"),
    (5, "医生讲解很清楚，把病情和治疗方案都交代得明明白白。"),
    (5, "服务热情周到，环境干净整洁，非常满意。"),
    (5, "主任医术高明，态度和蔼，感谢全科医护人员。"),
    (5, "夜班护士巡视及时，很负责，点赞。"),
    (5, "医生拒收红包，医德高尚，值得表扬。"),
    (4, "整体满意，就是候诊时间有点长。"),
    (4, "医生很专业，解释也清楚，希望挂号排队能快一些。"),
    (4, "病房干净，护士细心，停车不太方便。"),
    (4, "服务不错，缴费窗口人太多，排队等了半小时。"),
    (4, "感谢医生的耐心沟通，家属很放心。"),
    (3, "检查等太久了，上午来下午才做上。"),
    (3, "费用有点高，希望收费更透明一些。"),
    (3, "厕所有异味，卫生还需要加强。"),
    (3, "护士态度一般，问问题时有点不耐烦。"),
    (3, "晚上病房很吵，休息不好。"),
    (2, "排队两个小时，效率太低，叫号系统也乱。"),
    (2, "医生语气生硬，解释不清楚，听不懂。"),
    (2, "收费窗口推诿，让我来回跑了三趟。"),
    (2, "检查费用太贵，感觉有乱收费的情况。"),
    (1, "有医生暗示要红包，太让人失望了。"),
    (1, "护工索要好处费，服务态度差，要投诉。"),
)
WEIGHTS = (9, 9, 8, 7, 6, 2, 7, 6, 5, 5, 5, 3, 3, 2, 3, 2, 2, 2, 1, 1, 1, 1)


def load_demo_comments(*, today: date | None = None) -> int:
    """This month's demo comments (before ``today``) for every active clinical department; returns
    how many rows were added."""
    today = today or hospital_today()
    tz = ZoneInfo(current_hospital().time_zone)
    month = f"{today.year}-{today.month:02d}"
    days = [date(today.year, today.month, d) for d in range(1, today.day)]  # up to yesterday
    if not days:
        return 0
    have = set(
        Feedback.objects.filter(external_id__startswith=f"{PREFIX}{month}-").values_list("external_id", flat=True)
    )
    rows = []
    departments = Department.objects.filter(category=DepartmentCategory.CLINICAL, is_active=True).order_by("code")
    for department in departments:
        rng = random.Random(f"comments:{month}:{department.code}")
        count = max(1, round(rng.randint(*PER_DEPARTMENT) * len(days) / 30))
        for n in range(count):
            external_id = f"{PREFIX}{month}-{department.code}-{n}"
            overall, comment = rng.choices(COMMENTS, weights=WEIGHTS)[0]
            day = rng.choice(days)
            at = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=tz)
            if external_id in have:
                continue
            rows.append(
                Feedback(
                    department=department,
                    at=at,
                    local_date=local_date(at, tz),
                    overall=overall,
                    answers={"Q1": overall},
                    comment=comment,
                    channel=Channel.QR,
                    is_valid=True,
                    external_id=external_id,
                )
            )
    Feedback.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
