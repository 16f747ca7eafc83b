"""A lexicon to start from: the topics patients write about most (服务态度、等候时间、收费、环境、
沟通、红包、医疗技术), common positive and negative words, and stop words for the word cloud.
The office edits it at /comments/lexicon/."""

from django.db import migrations

TOPICS = {
    "服务态度": ("态度", "服务态度", "耐心", "热情", "冷漠", "不耐烦", "脸色", "语气", "生硬", "推诿"),
    "等候时间": ("等候", "候诊", "排队", "等待", "等太久", "叫号", "效率"),
    "收费": ("收费", "费用", "乱收费", "价格", "太贵", "多收", "退费", "缴费"),
    "环境": ("环境", "卫生", "干净", "整洁", "厕所", "嘈杂", "停车", "异味"),
    "沟通": ("沟通", "解释", "讲解", "告知", "交代", "听不懂"),
    "红包": ("红包", "回扣", "索要", "收礼", "好处费"),
    "医疗技术": ("技术", "医术", "误诊", "水平"),
}
POSITIVE = ("满意", "感谢", "谢谢", "好评", "认真", "负责", "细心", "周到", "贴心", "及时", "热情", "耐心", "干净", "整洁", "清楚", "专业", "点赞")
NEGATIVE = ("不满", "差", "投诉", "推诿", "敷衍", "冷漠", "生硬", "不耐烦", "脏", "太慢", "太贵", "乱收费", "嘈杂", "吵", "失望", "改进", "索要", "粗暴", "误诊", "等太久", "太久")
STOP = ("我们", "一个", "非常", "比较", "希望", "有点", "一些", "这个", "就是", "还是", "感觉", "觉得", "已经", "没有", "什么")


def entries():
    for topic, words in TOPICS.items():
        for word in words:
            yield word, "topic", topic
    for category, words in (("positive", POSITIVE), ("negative", NEGATIVE), ("stop", STOP)):
        for word in words:
            yield word, category, ""


def seed(apps, schema_editor):
    LexiconEntry = apps.get_model("comments", "LexiconEntry")
    have = set(LexiconEntry.objects.values_list("word", "category"))
    LexiconEntry.objects.bulk_create(
        LexiconEntry(word=word, category=category, topic=topic, active=True)
        for word, category, topic in entries()
        if (word, category) not in have
    )


class Migration(migrations.Migration):
    dependencies = [("comments", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
