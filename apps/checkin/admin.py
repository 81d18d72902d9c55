from django.contrib import admin

from .models import CheckIn, Coupon, Venue


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ("name", "organiser", "city", "reward", "rewards_left", "opens_at", "closes_at")
    search_fields = ("name", "address")
    raw_id_fields = ("organiser",)


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ("venue", "person", "day", "number", "via", "reward", "reward_state")
    list_filter = ("via", "reward_state")
    raw_id_fields = ("venue", "person")


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ("code", "venue", "holder", "created_at", "redeemed_at")
    search_fields = ("code",)
    raw_id_fields = ("checkin", "venue", "holder")
