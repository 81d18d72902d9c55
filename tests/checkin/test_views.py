"""The pages: opening a code's URL logged out goes through login (or sign-up) and lands on that check-in; the
person's check-ins and coupons; the organiser's venues, form, poster and kiosk; bounded queries."""

from django.urls import reverse

from apps.accounts.seed import DEMO_PASSWORD
from apps.checkin import codes
from apps.checkin.models import CheckIn, Coupon, Venue

from .conftest import check_in


def _code_path(venue, via="kiosk"):
    token = codes.kiosk_token(venue.pk) if via == "kiosk" else codes.poster_token(venue)
    return reverse("checkin:code", args=[via[0], token])


def test_logged_out_scan_logs_in_and_lands_back_on_the_check_in(client, sunli, emma, make_venue):
    venue = make_venue(sunli)
    page = client.get(_code_path(venue), follow=True)
    venue_path = reverse("checkin:venue", args=[venue.pk])
    assert page.redirect_chain[-1][0] == f"{reverse('accounts:login')}?next={venue_path}"
    page = client.post(
        page.redirect_chain[-1][0],
        {"username": "emma", "password": DEMO_PASSWORD, "next": venue_path},
        follow=True,
    )
    assert page.redirect_chain[-1][0] == venue_path
    assert 'data-testid="checkin-button"' in page.content.decode()
    page = client.post(reverse("checkin:checkin", args=[venue.pk]), follow=True)
    assert "number 1" in page.content.decode()
    assert CheckIn.objects.get().person == emma
    # The scan is used up: the button is gone, and a second post changes nothing.
    assert 'data-testid="checkin-button"' not in page.content.decode()
    client.post(reverse("checkin:checkin", args=[venue.pk]))
    assert CheckIn.objects.count() == 1


def test_a_new_person_signs_up_and_lands_back_on_the_check_in(client, sunli, make_venue):
    venue = make_venue(sunli)
    client.get(_code_path(venue, via="poster"))
    venue_path = reverse("checkin:venue", args=[venue.pk])
    page = client.post(
        f"{reverse('accounts:signup')}?next={venue_path}",
        {
            "username": "newbie",
            "display_name": "New Bie",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
            "next": venue_path,
        },
        follow=True,
    )
    assert page.redirect_chain[-1][0] == venue_path
    client.post(reverse("checkin:checkin", args=[venue.pk]))
    done = CheckIn.objects.get()
    assert done.person.username == "newbie" and done.via == "poster"


def test_the_organiser_sees_no_button_but_the_reason(client_as, sunli, make_venue):
    venue = make_venue(sunli)
    client = client_as(sunli)
    client.get(_code_path(venue))
    page = client.get(reverse("checkin:venue", args=[venue.pk])).content.decode()
    assert 'data-testid="checkin-refusal"' in page and 'data-testid="checkin-button"' not in page


def test_my_check_ins_and_coupons(client_as, sunli, emma, make_venue):
    tea = make_venue(sunli, name="Tea", reward="coupon", coupon_text="Free tea")
    noodles = make_venue(sunli, name="Noodles", points=7)
    check_in(emma, tea)
    check_in(emma, noodles)
    client = client_as(emma)
    mine = client.get(reverse("checkin:mine")).content.decode()
    assert "Tea" in mine and "Noodles" in mine and "7 points from check-ins" in mine
    coupons = client.get(reverse("checkin:coupons")).content.decode()
    assert Coupon.objects.get().code in coupons and "Free tea" in coupons


def test_organiser_creates_a_venue_with_the_form_and_redeems_a_coupon(client_as, sunli, emma):
    client = client_as(sunli)
    page = client.post(
        reverse("checkin:venue_new"),
        {
            "name": "Night market",
            "city": "anshan",
            "x": "40",
            "y": "60",
            "reward": "coupon",
            "coupon_text": "1 free",
        },
    )
    venue = Venue.objects.get()
    assert page.url == reverse("checkin:venue", args=[venue.pk])
    assert venue.organiser == sunli and venue.city == "anshan" and venue.row is not None
    assert "Night market" in client.get(reverse("checkin:venues")).content.decode()
    check_in(emma, venue)
    code = Coupon.objects.get().code
    page = client.post(reverse("checkin:redeem", args=[venue.pk]), {"code": code}, follow=True)
    assert "Coupon redeemed" in page.content.decode()
    page = client.post(reverse("checkin:redeem", args=[venue.pk]), {"code": code}, follow=True)
    assert "used already" in page.content.decode()


def test_a_bad_form_keeps_what_was_typed_and_saves_nothing(client_as, sunli):
    page = client_as(sunli).post(
        reverse("checkin:venue_new"), {"name": "Kept", "reward": "points", "points": "0"}
    )
    assert page.status_code == 200 and 'value="Kept"' in page.content.decode()
    assert not Venue.objects.exists()


def test_editing_keeps_the_spot_when_the_map_is_left_alone(client_as, sunli, make_venue):
    venue = make_venue(sunli, city="anshan", x=10, y=90)
    client = client_as(sunli)
    client.post(
        reverse("checkin:venue_edit", args=[venue.pk]),
        {"name": "Renamed", "city": "anshan", "x": "", "y": "", "reward": "points", "points": "5"},
    )
    after = Venue.objects.get()
    assert (after.name, after.row, after.col) == ("Renamed", venue.row, venue.col)


def test_poster_and_kiosk_codes_are_images_of_check_in_links(client_as, sunli, make_venue):
    venue = make_venue(sunli)
    client = client_as(sunli)
    poster = client.get(reverse("checkin:poster", args=[venue.pk])).content.decode()
    assert "/checkin/c/p/" in poster
    assert client.get(reverse("checkin:poster_image", args=[venue.pk, "png"]))["Content-Type"] == "image/png"
    assert client.get(reverse("checkin:poster_image", args=[venue.pk, "gif"])).status_code == 404
    code = client.get(reverse("checkin:kiosk_code", args=[venue.pk])).json()
    assert "/checkin/c/k/" in code["url"] and 0 < code["next_in"] <= 30_000 and code["count"] == 0
    image = client.get(code["image"])
    assert image["Content-Type"] == "image/svg+xml" and image.content.startswith(b"<")
    stale = reverse("checkin:kiosk_image", args=[venue.pk, codes.current_slot() - 5])
    assert client.get(stale).status_code == 404  # only the current code is drawn


def test_pages_use_a_bounded_number_of_queries(
    client_as, sunli, emma, tom, james, make_venue, django_assert_max_num_queries
):
    venues = [make_venue(sunli, name=f"V{i}", reward="coupon", coupon_text="x") for i in range(5)]
    for venue in venues:
        for person in (emma, tom, james):
            check_in(person, venue)
    client = client_as(emma)
    with django_assert_max_num_queries(8):
        client.get(reverse("checkin:mine"))
    with django_assert_max_num_queries(8):
        client.get(reverse("checkin:coupons"))
    with django_assert_max_num_queries(10):
        client.get(reverse("checkin:venue", args=[venues[0].pk]))
    organiser = client_as(sunli)
    with django_assert_max_num_queries(8):
        organiser.get(reverse("checkin:venues"))
    with django_assert_max_num_queries(10):
        organiser.get(reverse("checkin:kiosk", args=[venues[0].pk]))
    client = client_as(emma)
    newcomer = make_venue(sunli, name="New", reward="coupon", coupon_text="x")
    client.get(_code_path(newcomer))
    with django_assert_max_num_queries(20):  # the venue's first check-in of the day: its day row is made
        client.post(reverse("checkin:checkin", args=[newcomer.pk]))
    assert CheckIn.objects.filter(venue=newcomer).count() == 1


def test_after_checking_in_the_person_can_share_it_to_weibo_without_posting_anything(
    client_as, sunli, emma, make_venue
):
    from apps.microblog.models import Post

    venue = make_venue(sunli, name="Tea & Co")
    check_in(emma, venue)
    client = client_as(emma)
    page = client.get(reverse("checkin:venue", args=[venue.pk])).content.decode()
    assert 'data-testid="checkin-share"' in page and "/weibo/" in page
    composer = client.get(f"{reverse('microblog:compose')}?text=I+checked+in+at+Tea+%26+Co.").content.decode()
    assert "I checked in at Tea &amp; Co.</textarea>" in composer
    assert not Post.objects.exists()


def test_the_kiosk_gets_a_new_code_every_slot_and_the_old_one_lapses(client_as, sunli, emma, make_venue):
    from datetime import timedelta

    from apps.core import clock

    venue = make_venue(sunli)
    kiosk = client_as(sunli)
    first = kiosk.get(reverse("checkin:kiosk_code", args=[venue.pk])).json()
    clock.advance(timedelta(milliseconds=first["next_in"] + 10))
    second = kiosk.get(reverse("checkin:kiosk_code", args=[venue.pk])).json()
    assert second["url"] != first["url"] and second["image"] != first["image"]
    assert second["next_in"] > (codes.SLOT_SECONDS - 1) * 1000
    phone = client_as(emma)
    old = first["url"].split("testserver", 1)[1]
    assert phone.get(old).status_code == 302  # within the grace period
    clock.advance(timedelta(seconds=codes.GRACE_SECONDS))
    assert phone.get(old).status_code == 400
