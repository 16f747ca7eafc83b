"""The common dimensions and the four questionnaire templates (门诊、住院、出院回访、员工满意度).

The texts are Chinese on purpose: they are what patients read, and a hospital edits them in
Chinese. A template is copied into a new questionnaire's first draft; the hospital then edits it.
"""

from __future__ import annotations

# (code, name, weight) — the order is the order they are listed in.
DIMENSIONS = [
    ("registration", "挂号就诊", "1"),
    ("waiting", "候诊时间", "1"),
    ("doctor", "医生沟通", "1.5"),
    ("nursing", "护士服务", "1.5"),
    ("environment", "环境卫生", "1"),
    ("charges", "收费透明", "1"),
    ("privacy", "隐私保护", "1"),
    ("meals", "膳食服务", "0.5"),
    ("discharge", "出院指导", "1"),
    ("workplace", "工作环境", "1"),
    ("management", "管理与沟通", "1"),
    ("growth", "培训与发展", "1"),
    ("pay", "薪酬福利", "1"),
]

# question: (kind, text, dimension code or None, required, options)
TEMPLATES = {
    "outpatient": {
        "name": "门诊患者满意度调查",
        "intro": "感谢您就诊。以下几题约需一分钟，匿名填写。",
        "questions": [
            ("rating", "挂号、缴费是否方便快捷？", "registration", False, []),
            ("rating", "候诊时间是否可以接受？", "waiting", False, []),
            ("rating", "医生是否耐心听您讲述、讲清病情和用药？", "doctor", False, []),
            ("rating", "护士的服务态度如何？", "nursing", False, []),
            ("rating", "诊室、走廊和卫生间是否整洁？", "environment", False, []),
            ("rating", "检查和药品的收费是否清楚明白？", "charges", False, []),
            ("rating", "诊疗时您的隐私是否得到保护？", "privacy", False, []),
            ("single", "您今天是怎样挂号的？", None, False, ["窗口", "自助机", "手机预约", "其他"]),
        ],
    },
    "inpatient": {
        "name": "住院患者满意度调查",
        "intro": "感谢您对我院的信任。请对这次住院的服务作出评价，匿名填写。",
        "questions": [
            ("rating", "入院手续办理是否顺畅？", "registration", False, []),
            ("rating", "医生查房时是否向您讲清病情和治疗方案？", "doctor", False, []),
            ("rating", "护士是否及时回应您的呼叫？", "nursing", False, []),
            ("rating", "病房是否安静、整洁？", "environment", False, []),
            ("rating", "每日费用清单是否清楚？", "charges", False, []),
            ("rating", "医院膳食是否满意？", "meals", False, []),
            ("rating", "治疗、检查时您的隐私是否得到保护？", "privacy", False, []),
            (
                "multi",
                "您认为哪些方面最需要改进？",
                None,
                False,
                ["服务态度", "等候时间", "病房环境", "饮食", "收费", "沟通解释"],
            ),
        ],
    },
    "discharge": {
        "name": "出院患者回访问卷",
        "intro": "电话回访：请按题目顺序询问并记录患者的回答。",
        "questions": [
            ("rating", "对住院期间医生的诊疗和沟通是否满意？", "doctor", True, []),
            ("rating", "对护士的护理服务是否满意？", "nursing", True, []),
            ("rating", "对病房环境和卫生是否满意？", "environment", False, []),
            ("rating", "对住院收费是否满意？", "charges", False, []),
            ("rating", "出院时是否给您讲清了用药和复诊安排？", "discharge", False, []),
            ("single", "住院期间是否有医务人员收受红包或索要财物？", None, True, ["没有", "有", "不清楚"]),
            ("text", "其他意见和建议", None, False, []),
        ],
    },
    "staff": {
        "name": "员工满意度调查",
        "intro": "本问卷匿名，结果只以汇总形式呈现，请如实填写。",
        "questions": [
            ("rating", "对科室的工作环境和设备是否满意？", "workplace", True, []),
            ("rating", "对科室管理和上下沟通是否满意？", "management", True, []),
            ("rating", "对培训和职业发展机会是否满意？", "growth", True, []),
            ("rating", "对薪酬福利是否满意？", "pay", True, []),
            ("text", "您对医院的意见和建议", None, False, []),
        ],
    },
}
