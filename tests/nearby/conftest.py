import pytest

from apps.nearby import grid, services


@pytest.fixture
def place():
    """`place(user, city="shanghai", x=50, y=50, **kwargs)`: join People Nearby at a demo spot."""

    def put(user, city="shanghai", x=50, y=50, **kwargs):
        lat, lon = grid.city_spot(city, x, y)
        return services.location_set(user=user, lat=lat, lon=lon, place=city, **kwargs)

    return put


def listed(viewer, gender="all"):
    """{display name: band label} of what `viewer` sees in People Nearby."""
    presence = services.presence_of(viewer)
    return {
        str(n.user): str(n.band_label)
        for n in services.people_near(viewer=viewer, presence=presence, gender=gender)
    }
