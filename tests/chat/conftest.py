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


@pytest.fixture
def window_start():
    """Move the clock to the start of a 10-second rate-limit window, so a test's sends share one."""
    from datetime import timedelta

    from apps.core import clock

    now = clock.now().timestamp()
    clock.advance(timedelta(seconds=10 - now % 10 + 0.01))
