"""Seed the content areas of coordination (DOMAIN.md §2).

The names are data, in Vietnamese as the documents write them (the list is editable by system
administrators afterwards); the codes are stable slugs that imports, the API and the demo use.
Re-running never overwrites an area an administrator renamed.
"""

from django.db import migrations

AREAS = [
    ("dai-doan-ket", "Đại đoàn kết toàn dân tộc, vận động Nhân dân"),
    ("phat-trien-kinh-te-xa-hoi", "Chương trình, chỉ tiêu phát triển kinh tế - xã hội"),
    ("nong-thon-moi-do-thi-van-minh", "Xây dựng nông thôn mới, đô thị văn minh"),
    ("giam-ngheo-an-sinh-xa-hoi", "Giảm nghèo bền vững, an sinh xã hội"),
    ("phong-chong-dich-benh-thien-tai", "Phòng, chống dịch bệnh, thiên tai (Covid-19)"),
    ("giam-sat-phan-bien-xa-hoi", "Giám sát và phản biện xã hội"),
    (
        "xay-dung-dang-chinh-quyen",
        "Tham gia xây dựng Đảng, chính quyền (kể cả xây dựng pháp luật, chính sách)",
    ),
    ("tiep-cong-dan-khieu-nai-to-cao", "Tiếp công dân, giải quyết khiếu nại, tố cáo, kiến nghị, phản ánh"),
    ("kien-nghi-cu-tri", "Ý kiến, kiến nghị cử tri"),
    ("doi-ngoai-nhan-dan", "Đối ngoại nhân dân"),
    ("quoc-phong-an-ninh", "Quốc phòng, an ninh"),
    ("thong-tin-bao-cao-hoi-hop", "Thông tin, báo cáo, hội họp"),
    ("kinh-phi-dieu-kien-hoat-dong", "Kinh phí, điều kiện hoạt động"),
]


def seed(apps, schema_editor):
    Area = apps.get_model("agreements", "Area")
    for order, (code, name) in enumerate(AREAS, start=1):
        Area.objects.get_or_create(code=code, defaults={"name": name, "order": order * 10})


def unseed(apps, schema_editor):
    Area = apps.get_model("agreements", "Area")
    # Only the seeded areas nothing refers to: an area in use stays (PROTECT would refuse anyway).
    Area.objects.filter(
        code__in=[code for code, _name in AREAS], obligations__isnull=True, agreements__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0002_add_obligation_schedule_changed_on"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
