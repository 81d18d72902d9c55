"""Weibo: posts with #topics# and @mentions, repost chains, floor-in-floor comments, likes, follows.

Counts shown under a post (reposts, comments, likes) are kept on its row and moved by conditional updates in
the same transaction as the row they count, so a timeline page reads them without counting.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MAX_TEXT = 2000
MAX_COMMENT = 140
MAX_IMAGES = 9

USER = settings.AUTH_USER_MODEL


class Topic(models.Model):
    """A #topic#: its first spelling, the key every spelling shares, and its page's host and introduction."""

    name = models.CharField(_("topic"), max_length=32)
    key = models.CharField(max_length=64, unique=True)  # text.topic_key(name)
    host = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    introduction = models.CharField(_("introduction"), max_length=280, blank=True)
    pinned_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden = models.BooleanField(_("hidden from hot search"), default=False)
    reads = models.PositiveBigIntegerField(default=0)
    posts = models.PositiveIntegerField(default=0)  # discussion: posts, reposts and comments carrying it
    # Hot search's live counts: the TopicPerson rows of this topic flagged in the window / its last 10 minutes
    # (moved with those flags, so the refresh reads one row a topic instead of counting activity).
    window_people = models.PositiveIntegerField(default=0)
    recent_people = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    # No index on the counts: moving an indexed column makes every update of the row (each post's, each
    # refresh's) rewrite the row's index entries on PostgreSQL; the refresh reads the table through.

    def __str__(self):
        return f"#{self.name}#"


class Post(models.Model):
    """A post, or a repost: `repost_of` is the post reposted (its chain), `origin` the original it embeds."""

    author = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="posts")
    text = models.TextField(max_length=MAX_TEXT, blank=True)
    repost_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="direct_reposts"
    )
    origin = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    topics = models.ManyToManyField(Topic, through="PostTopic", related_name="+")
    reposts = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    likes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)  # kept so chains can say "deleted"

    class Meta:
        indexes = [models.Index(fields=["author", "-id"], name="post_author_newest")]

    def __str__(self):
        return f"{self.author}: {self.text[:30]}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class PostImage(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField()
    image = models.ImageField(upload_to="weibo/")
    thumbnail = models.ImageField(upload_to="weibo/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["post", "position"], name="one_image_per_position")]

    def __str__(self):
        return f"{self.post_id} #{self.position}"


class PostTopic(models.Model):
    """A post carries a topic (a topic page lists these, newest first)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "post"], name="one_topic_per_post")]

    def __str__(self):
        return f"{self.post_id} {self.topic_id}"


class TopicActivity(models.Model):
    """Someone posted, reposted or commented with a topic: hot search counts these in a sliding window."""

    # No index on the topic or the person: every row is written once and pruned within hours (bench_hot_search),
    # and it is only ever read by time.
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+", db_index=False)
    person = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", db_index=False)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["at"], name="topic_activity_at")]

    def __str__(self):
        return f"{self.topic_id} by {self.person_id} at {self.at:%H:%M}"


class TopicPerson(models.Model):
    """Someone active with a topic within its window: their latest activity, and whether they are counted in
    its window and in its last 10 minutes (Topic.window_people / recent_people). One row a pair: distinct
    people by construction. The refresh deletes a row when its activity leaves the window."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    last_at = models.DateTimeField()
    in_window = models.BooleanField(default=False)
    in_recent = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "person"], name="one_row_per_topic_person")]
        indexes = [
            # What each refresh takes out of the counts: a minute's worth of rows each time.
            models.Index(fields=["last_at"], name="topic_person_last_at"),
            models.Index(fields=["last_at"], condition=Q(in_recent=True), name="topic_person_in_recent"),
        ]

    def __str__(self):
        return f"{self.topic_id} by {self.person_id} last at {self.last_at:%H:%M}"


class HotSnapshot(models.Model):
    """A refresh's counts: an hour later, the baseline (the same measure an hour earlier). `counts` packs
    (topic id, people in the window, in its last 10 minutes) as 64-bit integers, three a topic (JSON for
    5,000 topics took a tenth of a busy refresh to write and read). One row per minute of a cycle,
    overwritten as it comes round again, so nothing needs pruning."""

    slot = models.PositiveSmallIntegerField(unique=True)
    taken_at = models.DateTimeField()
    counts = models.BinaryField()

    def __str__(self):
        return f"{self.taken_at:%H:%M} ({len(self.counts) // 24} topics)"


class HotTopic(models.Model):
    """One row of the last computed hot-search list (replaced whole at each refresh)."""

    class Mark(models.TextChoices):
        NONE = "", ""
        NEW = "new", pgettext_lazy("hot search mark", "New")
        HOT = "hot", pgettext_lazy("hot search mark", "Hot")
        BOILING = "boiling", pgettext_lazy("hot search mark", "Boiling")
        EXPLOSIVE = "explosive", pgettext_lazy("hot search mark", "Explosive")

    rank = models.PositiveSmallIntegerField(unique=True)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    heat = models.PositiveIntegerField()  # shown: the measured heat, cooled since it was measured
    mark = models.CharField(max_length=10, choices=Mark.choices, blank=True)
    computed_at = models.DateTimeField()
    measured = models.PositiveIntegerField(default=0)  # the heat when last measured, and when
    measured_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["rank"]

    def __str__(self):
        return f"{self.rank}. {self.topic_id} ({self.heat})"


class Mention(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    person = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "person"], name="one_mention_per_person")]

    def __str__(self):
        return f"{self.post_id} @{self.person_id}"


class Comment(models.Model):
    """A comment on a post. A reply sits under its floor (`floor`, the top-level comment) and names whom it
    answers (`reply_to`), Weibo's "floor in floor"."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comment_set")
    author = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=MAX_COMMENT)
    floor = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    likes = models.PositiveIntegerField(default=0)
    replies_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["post", "floor", "-id"], name="comment_post_floor"),
            models.Index(fields=["floor", "id"], name="comment_replies"),
        ]

    def __str__(self):
        return f"{self.author}: {self.text[:30]}"


class PostLike(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "person"], name="one_like_per_post")]

    def __str__(self):
        return f"{self.person_id} ♥ {self.post_id}"


class CommentLike(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "person"], name="one_like_per_comment")]

    def __str__(self):
        return f"{self.person_id} ♥ {self.comment_id}"


class Follow(models.Model):
    """One-way: `fan` follows `followee`. Two rows either way make a mutual follow (互关)."""

    fan = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="following")
    followee = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="fans")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fan", "followee"], name="one_follow_per_pair"),
            models.CheckConstraint(condition=~Q(fan=F("followee")), name="no_follow_of_self"),
        ]
        indexes = [models.Index(fields=["followee", "-id"], name="follow_fans_newest")]

    def __str__(self):
        return f"{self.fan_id} → {self.followee_id}"


class TopicFollow(models.Model):
    """Following a topic (Weibo's super topic): its posts come to the home timeline."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "topic"], name="one_follow_per_topic")]

    def __str__(self):
        return f"{self.person_id} → {self.topic_id}"


class Report(models.Model):
    """A post or comment reported: hidden at once from the reporter, queued for moderators in the admin."""

    reporter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, comment__isnull=True)
                | Q(post__isnull=True, comment__isnull=False),
                name="report_one_thing",
            ),
            models.UniqueConstraint(fields=["reporter", "post"], name="one_report_per_post"),
            models.UniqueConstraint(fields=["reporter", "comment"], name="one_report_per_comment"),
        ]

    def __str__(self):
        return f"report by {self.reporter_id}: post {self.post_id} comment {self.comment_id}"


class Notification(models.Model):
    """Something happened to me on Weibo: a mention, comment, reply, like, repost or new fan."""

    class Kind(models.TextChoices):
        MENTION = "mention", _("Mentions")
        COMMENT = "comment", _("Comments")
        REPLY = "reply", _("Replies")
        LIKE = "like", _("Likes")
        REPOST = "repost", _("Reposts")
        FAN = "fan", _("New fans")

    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="weibo_notifications")
    actor = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "kind", "-id"], name="notification_by_kind"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self):
        return f"{self.kind} for {self.recipient_id} from {self.actor_id}"
