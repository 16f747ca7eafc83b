import factory
from django.contrib.auth import get_user_model

from wenming.org.models import Department, DepartmentCategory, Staff
from wenming.org.services import name_index


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or "Wenming-Test-2026")
        if create:
            obj.save(update_fields=["password"])


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"测试科室{n}")
    category = DepartmentCategory.CLINICAL

    @factory.post_generation
    def with_path(obj, create, extracted, **kwargs):
        obj.path = obj.compute_path()
        obj.depth = obj.path.count("/") - 1
        if create:
            Department.objects.filter(pk=obj.pk).update(path=obj.path, depth=obj.depth)


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff
        django_get_or_create = ("staff_no",)

    staff_no = factory.Sequence(lambda n: f"E{n:05d}")
    name = "张三"
    department = factory.SubFactory(DepartmentFactory)
    name_initials = factory.LazyAttribute(lambda o: name_index(o.name)[0])
    name_pinyin = factory.LazyAttribute(lambda o: name_index(o.name)[1])
