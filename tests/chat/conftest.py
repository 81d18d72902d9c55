import pytest

from apps.chat import services


@pytest.fixture
def direct(liwei, wangfang):
    """The 1:1 chat of Li Wei and Wang Fang (friends in the sample data)."""
    return services.conversation_direct_get_or_create(a=liwei, b=wangfang)


@pytest.fixture
def group(liwei, wangfang, zhangmin, chenjing):
    """A group Li Wei owns with Wang Fang, Zhang Min and Chen Jing."""
    return services.group_create(actor=liwei, member_ids=[wangfang.pk, zhangmin.pk, chenjing.pk], name="Team")
