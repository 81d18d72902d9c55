/* Chats: the live chat list and one conversation, over the tab's one websocket (realtime.js).
 *
 * Delivery: the server numbers each conversation's messages (seq). The client keeps the highest seq it
 * has without a hole; an event past a hole, a reconnect, or a return to the tab fetches what is missing
 * (chat.sync). Messages are keyed by id, so nothing shows twice; own sends carry a client id, so a
 * resend after a drop never makes a second message. User text only ever goes in via textContent.
 */
(function () {
  "use strict";
  const RT = window.Realtime;
  if (!RT) return;
  const gettext = window.gettext || ((s) => s);
  const fmt = (s, params) => (window.interpolate ? interpolate(s, params, true) : s);
  const lang = (document.documentElement.lang || "en").toLowerCase();

  // Keep in step with apps/chat/texts.py.
  const SYSTEM = {
    created: gettext("%(actor)s created the group chat"),
    invited: gettext("%(actor)s invited %(names)s to the group chat"),
    joined_by_code: gettext("%(names)s joined the group chat by scanning %(actor)s's QR code"),
    removed: gettext("%(actor)s removed %(names)s from the group chat"),
    left: gettext("%(actor)s left the group chat"),
    renamed: gettext('%(actor)s changed the group name to "%(name)s"'),
    announcement: gettext("%(actor)s updated the group announcement"),
    owner: gettext("%(names)s is now the group owner"),
    admin: gettext("%(names)s is now a group admin"),
    friends: gettext("You are now friends. Say hello!"),
    friend_added: gettext("You have added %(name)s as a friend. Start chatting now!"),
    bottle: gettext("%(actor)s's drift bottle: %(text)s"),
    bottle_ended: gettext("%(actor)s ended this bottle chat"),
  };
  // Lines for one reader only (notices), from that reader's side. Keep in step with NOTICE_TEXTS there.
  const NOTICES = {
    packet_grabbed: gettext("You opened %(name)s's red packet"),
    packet_opened: gettext("%(name)s opened your red packet"),
    packet_opened_own: gettext("You opened your own red packet"),
    packet_emptied: gettext("Your red packet has been fully claimed"),
  };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // --- The Chats tab badge, live on every page ----------------------------------------------------------
  let badgeTimer = null;
  function refreshBadge() {
    clearTimeout(badgeTimer);
    badgeTimer = setTimeout(() => {
      RT.send("chat.badge").then((d) => RT.setBadges({ chats: d.chats })).catch(() => {});
    }, 1500);
  }

  // --- The chat list: re-render from the server when anything changes ----------------------------------
  function setupList(list) {
    // At most one refresh per 1.5 s, however busy the groups are (a 200-person workshop at 10 msg/s).
    let timer = null;
    const reload = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        RT.freshCopy("#main")
          .then((fresh) => {
            const main = document.querySelector("#main");
            if (fresh && main) main.replaceChildren(...fresh.childNodes);
          })
          .catch(() => {});
      }, 1500);
    };
    ["chat.message", "chat.message_updated", "chat.read", "chat.conversation", "chat.hidden"].forEach((type) =>
      RT.on(type, reload)
    );
    RT.onReconnect(reload);
    // A message that came between the render and the socket's first opening moved the unread count the
    // hello carries: only then is the rendered list stale (re-rendering it on every open would double its cost).
    // (realtime.js has already written the hello's counts into the tab bar when this runs.)
    const badge = document.querySelector('[data-badge="chats"]');
    const shown = () => (badge && !badge.hidden ? badge.textContent : "");
    const rendered = shown();
    let greeted = false;
    RT.on("hello", () => {
      if (!greeted && shown() !== rendered) reload();
      greeted = true;
    });
    RT.on("chat.message", refreshBadge);
    window.addEventListener("pageshow", (e) => { if (e.persisted) reload(); }); // back from a chat
  }

  // --- One conversation -----------------------------------------------------------------------------------
  function setupThread(root) {
    const state = JSON.parse(document.getElementById("chat-state").textContent);
    const conv = state.conversation;
    const me = state.me;
    const members = state.members; // id -> {name, avatar, role, read}
    const box = root.querySelector("[data-messages]");
    const byId = new Map(); // message id -> element
    const bySeq = new Map(); // seq -> message data
    const pending = new Map(); // client id -> element (own sends not yet acknowledged)
    let lastSeq = 0; // highest seq with everything before it loaded
    let minSeq = Infinity;
    let syncing = null;
    let resync = false;
    let noOlder = false;
    let readSent = state.last_read || 0;
    let replyTo = null;
    const mentions = new Map(); // name -> id

    const input = root.querySelector("[data-input]");
    const form = root.querySelector("[data-composer]");
    const sheet = document.querySelector("[data-sheet]");
    const sheetBody = document.querySelector("[data-sheet-body]");

    function nameOf(userId, fallback) {
      if (userId === me) return gettext("You");
      const m = members[String(userId)];
      return (m && m.name) || fallback || "";
    }

    function avatarNode(msg) {
      const a = msg.avatar || {};
      const label = nameOf(msg.sender, msg.sender_name);
      let node;
      if (a.url) {
        node = el("img", "avatar avatar-40");
        node.src = a.url;
        node.alt = label;
        node.width = 40;
        node.height = 40;
      } else {
        node = el("span", "avatar avatar-40 avatar-c" + (a.colour || 0), a.initials || "?");
        node.setAttribute("role", "img");
        node.setAttribute("aria-label", label);
      }
      node.dataset.pat = msg.sender;
      if (state.active) {
        // Double-tap pats; from the keyboard, Enter on the focused avatar does.
        node.setAttribute("role", "button");
        node.tabIndex = 0;
        node.setAttribute("aria-label", msg.sender === me ? gettext("Pat yourself") : fmt(gettext("Pat %(name)s"), { name: label }));
      }
      return node;
    }

    // The server says until when each action is open (recall_until, reedit_until): the one rule lives there.
    // At that moment the action goes, even if the thread stays open.
    // A phone whose clock is clearly off (more than 5 s from the server's, read when the page was served)
    // counts on the server's time instead.
    const off = Number(root.dataset.serverNow) * 1000 - Date.now();
    const skew = Math.abs(off) > 5000 ? off : 0;
    function until(iso) { return iso ? Date.parse(iso) - (Date.now() + skew) : -1; }
    function whenOver(iso, fn) {
      const left = until(iso);
      if (left > 0) setTimeout(fn, Math.min(left, 2 ** 31 - 1));
    }

    function timeLabel(iso) {
      return window.wechatTime(iso);
    }

    function systemText(msg) {
      const ev = msg.payload && msg.payload.event;
      if (ev && SYSTEM[ev]) {
        const params = {};
        Object.entries(msg.payload.params || {}).forEach(([k, v]) => {
          params[k] = Array.isArray(v) ? v.join(gettext(", ")) : String(v);
        });
        if (ev === "friend_added") {  // the other person, whoever reads it
          const names = (msg.payload.params || {}).names || {};
          if (!names[me]) return msg.text;
          params.name = names[me];
        }
        try { return interpolate(SYSTEM[ev], params, true); } catch (e) { return msg.text; }
      }
      return msg.text;
    }

    function render(msg) {
      const row = el("div", "msg");
      row.id = "m" + msg.seq;
      row.dataset.id = msg.id;
      row.dataset.seq = msg.seq;
      const mine = msg.sender === me;
      if (msg.recalled) {
        row.classList.add("sys");
        const line = el("span", "sysline");
        line.textContent = mine ? gettext("You recalled a message") : fmt(gettext("%(name)s recalled a message"), { name: nameOf(msg.sender, msg.sender_name) });
        if (mine && until(msg.reedit_until) > 0) {
          const again = el("button", "link-btn", gettext("Re-edit"));
          again.type = "button";
          again.dataset.reedit = msg.id;
          line.append(" ", again);
          whenOver(msg.reedit_until, () => again.remove());
        }
        row.append(line);
        return row;
      }
      if (msg.kind === "system") {
        row.classList.add("sys");
        row.append(el("span", "sysline", systemText(msg)));
        return row;
      }
      if (msg.kind === "pat") {
        row.classList.add("sys");
        const p = msg.payload || {};
        const target = nameOf(p.target, p.target_name);
        const params = { actor: nameOf(msg.sender, msg.sender_name), target, suffix: p.suffix || "" };
        const line = mine ? fmt(gettext("You patted %(target)s%(suffix)s"), params)
          : p.target === me ? fmt(gettext("%(actor)s patted you%(suffix)s"), params)
          : fmt(gettext("%(actor)s patted %(target)s%(suffix)s"), params);
        const sys = el("span", "sysline", line);
        row.append(sys);
        if (mine && until(msg.recall_until) > 0) {
          // Your own pat can be withdrawn while its recall window is open (tap it, or Enter).
          sys.setAttribute("role", "button");
          sys.tabIndex = 0;
          row.dataset.withdraw = "1";
          whenOver(msg.recall_until, () => { sys.removeAttribute("role"); sys.removeAttribute("tabindex"); delete row.dataset.withdraw; });
        }
        return row;
      }
      row.classList.add(mine ? "mine" : "theirs");
      row.append(avatarNode(msg));
      const body = el("div", "msg-body");
      if (state.group && !mine) body.append(el("div", "msg-name", nameOf(msg.sender, msg.sender_name)));
      let bubble;
      if (msg.kind === "text") {
        bubble = el("div", "bubble", msg.text);
        if (msg.mentions && (msg.mentions.includes(me) || (msg.mentions[0] === "all" && !mine))) bubble.classList.add("mentions-me");
      } else if (msg.kind === "image") {
        bubble = el("div", "bubble image");
        const img = el("img");
        img.src = msg.payload.thumb;
        img.alt = gettext("Photo");
        if (msg.payload.w) { img.width = msg.payload.w; img.height = msg.payload.h; }
        img.loading = "lazy";
        img.dataset.full = msg.payload.full;
        bubble.append(img);
      } else if (msg.kind === "sticker") {
        bubble = el("div", "bubble sticker");
        const img = el("img");
        img.src = msg.sticker_url;
        img.alt = gettext("Sticker");
        img.width = 120;
        img.height = 120;
        bubble.append(img);
      } else {
        bubble = el("div", "bubble card");
        const html = (msg.html || {})[lang] || (msg.html || {}).en || "";
        // Server-rendered by the card's template (escaped there), the same for every member.
        if (html) bubble.innerHTML = html;
        else bubble.textContent = gettext("[Message]");
      }
      bubble.dataset.bubble = "1";
      if (!bubble.querySelector("a, button")) {
        // Enter or Space opens the actions, as a tap does (cards keep their own link: Shift+F10 there).
        bubble.tabIndex = 0;
        bubble.setAttribute("role", "button");
        bubble.setAttribute("aria-haspopup", "dialog");
      }
      body.append(bubble);
      if (msg.reply_to) {
        const q = el("div", "quote");
        q.textContent = (msg.reply_to.name ? nameOf(msg.reply_to.sender, msg.reply_to.name) + ": " : "") + msg.reply_to.preview;
        q.dataset.jump = msg.reply_to.seq;
        q.tabIndex = 0;
        q.setAttribute("role", "link");
        body.append(q);
      }
      if (mine) {
        const meta = el("div", "msg-meta");
        meta.dataset.meta = "1";
        body.append(meta);
      }
      row.append(body);
      return row;
    }

    function needsTime(prev, msg) {
      if (!prev) return true;
      return new Date(msg.created_at) - new Date(prev.created_at) > 5 * 60 * 1000;
    }

    function place(msg) {
      // Insert by seq; replace what's there (an update, or our own pending bubble).
      const existing = byId.get(msg.id);
      const node = render(msg);
      bySeq.set(msg.seq, msg);
      if (msg.client_id && pending.has(msg.client_id)) {
        pending.get(msg.client_id).remove();
        pending.delete(msg.client_id);
      }
      if (existing) {
        // A keyboard user who was on this message (recalling it, say) stays on it.
        const hadFocus = existing.contains(document.activeElement);
        existing.replaceWith(node);
        if (hadFocus) {
          const target = node.querySelector("[tabindex='0'], button") || node;
          if (target === node) node.tabIndex = -1;
          target.focus();
        }
      } else {
        let anchor = null;
        for (const child of box.querySelectorAll(".msg[data-seq], .msg[data-after]")) {
          if (child.dataset.pending) continue;
          if (child.dataset.after !== undefined ? Number(child.dataset.after) >= msg.seq : Number(child.dataset.seq) > msg.seq) {
            anchor = child;
            break;
          }
        }
        if (anchor && anchor.previousElementSibling && anchor.previousElementSibling.dataset.timeFor === anchor.dataset.seq) {
          anchor = anchor.previousElementSibling;
        }
        const prevSeq = [...bySeq.keys()].filter((s) => s < msg.seq).sort((a, b) => b - a)[0];
        if (needsTime(bySeq.get(prevSeq), msg)) {
          const stamp = el("div", "time-sep", timeLabel(msg.created_at));
          stamp.dataset.timeFor = msg.seq;
          box.insertBefore(stamp, anchor);
        }
        box.insertBefore(node, anchor);
        pending.forEach((p) => box.appendChild(p)); // unacknowledged sends stay at the bottom
      }
      byId.set(msg.id, node);
      if (msg.seq < minSeq) minSeq = msg.seq;
      updateReceipts();
    }

    // Notices ("Emma opened your red packet"): grey lines for this reader only, right after the message
    // with seq == after_seq; they take no seq, so they are keyed by their own id.
    const notices = new Set();
    function placeNotice(n) {
      if (n.conversation !== conv || notices.has(n.id)) return;
      notices.add(n.id);
      const row = el("div", "msg sys notice");
      row.dataset.after = n.after_seq;
      row.dataset.notice = n.id;
      let text = n.text;
      if (NOTICES[n.event]) {
        try { text = fmt(NOTICES[n.event], n.params || {}); } catch (e) { text = n.text; }
      }
      row.append(el("span", "sysline", text));
      // Before the first message after it, or the first later notice; else at the end (above unsent bubbles).
      let anchor = null;
      for (const child of box.querySelectorAll(".msg[data-seq], .msg[data-after], .msg[data-pending], .time-sep")) {
        const seq = child.dataset.seq || child.dataset.timeFor;
        const later = child.dataset.after !== undefined
          ? Number(child.dataset.after) > n.after_seq || (Number(child.dataset.after) === n.after_seq && Number(child.dataset.notice) > n.id)
          : child.dataset.pending || Number(seq) > n.after_seq;
        if (later) { anchor = child; break; }
      }
      box.insertBefore(row, anchor);
    }
    function acceptNotices(list) {
      const stick = atBottom();
      (list || []).forEach(placeNotice);
      if (stick) toBottom();
    }

    function atBottom() {
      const scroller = document.scrollingElement;
      return scroller.scrollHeight - scroller.scrollTop - window.innerHeight < 160;
    }
    function toBottom() { window.scrollTo(0, document.scrollingElement.scrollHeight); }
    // Whatever grows under us (a photo loading, a card, the sticker panel, the phone's keyboard), a reader
    // at the bottom stays at the bottom: the last message never hides behind the input bar.
    let stuck = true;
    window.addEventListener("scroll", () => { stuck = atBottom(); }, { passive: true });
    const keepBottom = () => { if (stuck) toBottom(); };
    if (window.ResizeObserver) new ResizeObserver(keepBottom).observe(root);
    if (window.visualViewport) window.visualViewport.addEventListener("resize", keepBottom);

    function advance() {
      while (bySeq.has(lastSeq + 1)) lastSeq += 1;
    }

    function accept(list, { fromSync } = {}) {
      const stick = atBottom();
      let theirs = false;
      list.forEach((msg) => {
        if (msg.conversation !== conv) return;
        const known = bySeq.get(msg.seq);
        if (known && known.id === msg.id && known.version === msg.version) return; // dedupe
        place(msg);
        if (msg.sender !== me) theirs = true;
      });
      advance();
      if (stick || !theirs) toBottom();
      else document.querySelector("[data-new-below]").hidden = false;
      markRead();
      return fromSync;
    }

    function sync() {
      // One catch-up at a time; a request made meanwhile runs once more afterwards.
      if (syncing) { resync = true; return syncing; }
      syncing = RT.send("chat.sync", { conversation: conv, after: lastSeq, limit: 200 })
        .then((d) => {
          accept(d.messages, { fromSync: true });
          acceptNotices(d.notices);
          if (d.messages.length >= 200) resync = true;
          else if (d.last_seq > lastSeq) lastSeq = d.last_seq; // holes are messages deleted for me
        })
        .catch(() => {})
        .finally(() => {
          syncing = null;
          if (resync) { resync = false; sync(); }
        });
      return syncing;
    }

    function loadOlder() {
      if (noOlder || loadOlder.busy || minSeq === Infinity || minSeq <= 1) return Promise.resolve();
      loadOlder.busy = true;
      const marker = root.querySelector("[data-load-older]");
      marker.hidden = false;
      const scroller = document.scrollingElement;
      const before = scroller.scrollHeight;
      return fetch(state.messages_url + "?before=" + minSeq, { credentials: "same-origin" })
        .then((r) => r.json())
        .then((d) => {
          if (!d.messages.length) noOlder = true;
          d.messages.forEach(place);
          (d.notices || []).forEach(placeNotice);
          scroller.scrollTop += scroller.scrollHeight - before;
        })
        .catch(() => {})
        .finally(() => { loadOlder.busy = false; marker.hidden = true; });
    }

    // --- Read receipts: ticks in 1:1, "N read" in groups -----------------------------------------------
    function readers(seq) {
      return Object.values(members).filter((m) => m.id !== me && m.read != null && m.read >= seq);
    }
    function updateReceipts() {
      box.querySelectorAll(".msg.mine").forEach((row) => {
        const meta = row.querySelector("[data-meta]");
        if (!meta || row.dataset.pending) return;
        const seq = Number(row.dataset.seq);
        const who = readers(seq);
        if (state.group) {
          meta.textContent = who.length ? fmt(gettext("%(n)s read"), { n: who.length }) : "";
          meta.dataset.readers = who.length ? "1" : "";
        } else {
          const other = members[String(state.other)];
          const shares = other && other.read != null;
          meta.textContent = !shares ? "" : who.length ? "✓✓ " + gettext("Read") : "✓ " + gettext("Delivered");
          meta.classList.toggle("read", who.length > 0);
        }
      });
    }

    let readTimer = null;
    function markRead() {
      if (!state.active || document.visibilityState !== "visible") return;
      clearTimeout(readTimer);
      readTimer = setTimeout(() => {
        const seq = Math.max(lastSeq, ...[...bySeq.keys()]);
        if (seq > readSent) {
          readSent = seq;
          RT.send("chat.read", { conversation: conv, seq }).catch(() => {});
        }
      }, 250);
    }

    // --- Sending -------------------------------------------------------------------------------------
    function pendingBubble(clientId, fill) {
      const row = el("div", "msg mine");
      row.dataset.pending = "1";
      row.dataset.client = clientId;
      const body = el("div", "msg-body");
      const bubble = el("div", "bubble");
      fill(bubble);
      const meta = el("div", "msg-meta", gettext("Sending…"));
      body.append(bubble, meta);
      row.append(avatarNode({ sender: me, avatar: (members[String(me)] || {}).avatar }), body);
      box.appendChild(row);
      pending.set(clientId, row);
      toBottom();
      return row;
    }

    function failed(row, error, retry) {
      const meta = row.querySelector(".msg-meta");
      meta.textContent = "";
      const again = el("button", "retry", "!");
      again.type = "button";
      again.setAttribute("aria-label", gettext("Not sent. Tap to try again."));
      again.title = (error && error.message) || gettext("Not sent. Tap to try again.");
      again.addEventListener("click", () => { meta.textContent = gettext("Sending…"); retry(); });
      meta.append(again);
      if (error && error.message) RT.toast(error.message, "error");
    }

    function send(data, fill) {
      const clientId = uuid();
      const row = pendingBubble(clientId, fill);
      const attempt = () =>
        RT.send("chat.send", { conversation: conv, client_id: clientId, ...data })
          .then((ack) => {
            // The event may have arrived first (or arrives soon): either way one bubble.
            if (!byId.has(ack.id)) { row.dataset.seq = ack.seq; }
            if (!bySeq.has(ack.seq)) sync();
          })
          .catch((error) => failed(row, error, attempt));
      attempt();
    }

    function sendText() {
      const text = input.value;
      if (!text.trim()) return;
      if (text.length > 2000) { RT.toast(gettext("A message can be at most 2000 characters."), "error"); return; }
      const ids = [];
      mentions.forEach((id, name) => { if (text.includes("@" + name)) ids.push(id); });
      const data = { kind: "text", text };
      if (ids.length) data.mentions = ids.includes("all") ? ["all"] : ids;
      if (replyTo) data.reply_to = replyTo.id;
      send(data, (bubble) => { bubble.textContent = text; });
      input.value = "";
      mentions.clear();
      setReply(null);
      input.focus();
    }

    function setReply(msg) {
      replyTo = msg;
      const bar = root.querySelector("[data-reply-bar]");
      if (!bar) return;
      bar.hidden = !msg;
      if (msg) bar.querySelector("[data-reply-text]").textContent = nameOf(msg.sender, msg.sender_name) + ": " + (msg.text || gettext("[Message]"));
    }

    if (form) {
      form.addEventListener("submit", (e) => { e.preventDefault(); sendText(); });
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendText(); }
      });
      root.querySelector("[data-reply-cancel]").addEventListener("click", () => setReply(null));
      const panel = root.querySelector("[data-sticker-panel]");
      const stickersToggle = root.querySelector("[data-toggle-stickers]");
      stickersToggle.addEventListener("click", () => {
        panel.hidden = !panel.hidden;
        stickersToggle.setAttribute("aria-expanded", String(!panel.hidden));
        if (!panel.hidden) toBottom();
      });
      panel.addEventListener("click", (e) => {
        const b = e.target.closest("[data-sticker]");
        if (!b) return;
        const src = b.querySelector("img").src;
        send({ kind: "sticker", name: b.dataset.sticker }, (bubble) => {
          bubble.classList.add("sticker");
          const img = el("img"); img.src = src; img.alt = ""; img.width = 120; img.height = 120;
          bubble.append(img);
        });
        panel.hidden = true;
      });
      root.querySelector("[data-pick-image]").addEventListener("click", () => root.querySelector("[data-image-input]").click());
      root.querySelector("[data-image-input]").addEventListener("change", (e) => {
        const file = e.target.files[0];
        e.target.value = "";
        if (file) sendImage(file);
      });
      // Typing indicator for the other person (1:1), at most every 3 s.
      let lastTyping = 0;
      input.addEventListener("input", () => {
        if (!state.group && Date.now() - lastTyping > 3000) {
          lastTyping = Date.now();
          RT.send("chat.typing", { conversation: conv }).catch(() => {});
        }
        if (state.group) mentionPicker();
      });
    }

    function sendImage(file) {
      const clientId = uuid();
      const url = URL.createObjectURL(file);
      const row = pendingBubble(clientId, (bubble) => {
        bubble.classList.add("image");
        const img = el("img"); img.src = url; img.alt = gettext("Photo");
        bubble.append(img);
      });
      const csrf = document.querySelector("[name=csrfmiddlewaretoken]");
      const attempt = () => {
        const body = new FormData();
        body.append("image", file);
        body.append("client_id", clientId);
        fetch(state.image_url, { method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": csrf ? csrf.value : "" } })
          .then((r) => r.json().then((d) => ({ ok: r.ok, d })))
          .then(({ ok, d }) => {
            if (!ok) throw { message: d.error };
            accept([d.message]);
          })
          .catch((error) => failed(row, error && error.message ? error : { message: gettext("Not sent. Tap to try again.") }, attempt));
      };
      attempt();
    }

    // --- @mentions (groups) ----------------------------------------------------------------------------
    function mentionPicker() {
      const picker = root.querySelector("[data-mention-picker]");
      const upto = input.value.slice(0, input.selectionStart);
      const m = /@([^\s@]*)$/.exec(upto);
      if (!m) { picker.hidden = true; return; }
      const q = m[1].toLowerCase();
      picker.replaceChildren();
      const options = [];
      if (state.admin) options.push({ id: "all", name: gettext("All") });
      Object.values(members).forEach((x) => { if (x.id !== me) options.push({ id: x.id, name: x.name }); });
      options.filter((o) => o.name.toLowerCase().includes(q)).slice(0, 8).forEach((o) => {
        const li = el("li");
        const b = el("button", "", o.id === "all" ? "@" + gettext("All") : o.name);
        b.type = "button";
        b.addEventListener("click", () => {
          const before = upto.slice(0, m.index);
          const after = input.value.slice(input.selectionStart);
          input.value = before + "@" + o.name + " " + after;
          mentions.set(o.name, o.id);
          picker.hidden = true;
          input.focus();
        });
        li.append(b);
        picker.append(li);
      });
      picker.hidden = !picker.children.length;
    }

    // --- Actions on a message --------------------------------------------------------------------------
    function closeSheet() { window.UI.dialog.close(sheet); }
    function showSheet() { window.UI.dialog.show(sheet, { onClose: () => sheetBody.replaceChildren() }); }
    sheet.addEventListener("click", (e) => { if (e.target === sheet) closeSheet(); });

    function openSheet(buttons) {
      sheetBody.replaceChildren();
      buttons.forEach(([label, fn, cls, action]) => {
        const b = el("button", "sheet-btn" + (cls ? " " + cls : ""), label);
        b.type = "button";
        if (action) b.dataset.action = action;
        b.addEventListener("click", () => { closeSheet(); fn(); });
        sheetBody.append(b);
      });
      const cancel = el("button", "sheet-btn cancel", gettext("Cancel"));
      cancel.type = "button";
      cancel.addEventListener("click", closeSheet);
      sheetBody.append(cancel);
      showSheet();
      return sheetBody;
    }

    function messageActions(msg) {
      const mine = msg.sender === me;
      const buttons = [];
      if (msg.kind === "text") buttons.push([gettext("Copy"), () => navigator.clipboard && navigator.clipboard.writeText(msg.text)]);
      if (msg.kind === "image") buttons.push([gettext("View full size"), () => showImage(msg.payload.full)]);
      if (state.active) buttons.push([gettext("Quote"), () => { setReply(msg); input.focus(); }]);
      if (["text", "image", "sticker"].includes(msg.kind)) buttons.push([gettext("Forward"), () => forward(msg)]);
      const canRecall = mine && until(msg.recall_until) > 0;
      if (canRecall) buttons.push([gettext("Recall"), () => RT.send("chat.recall", { id: msg.id }).catch(() => {}), "danger", "recall"]);
      buttons.push([gettext("Delete"), () => RT.send("chat.hide", { id: msg.id }).catch(() => {}), "danger"]);
      if (state.group && mine && msg.kind !== "system") {
        const who = readers(msg.seq);
        buttons.push([fmt(gettext("%(n)s read"), { n: who.length }), () => showReaders(msg)]);
      }
      const body = openSheet(buttons);
      if (canRecall) whenOver(msg.recall_until, () => { const b = body.querySelector("[data-action=recall]"); if (b) b.remove(); });
    }

    function showReaders(msg) {
      const who = readers(msg.seq);
      const unread = Object.values(members).filter((m) => m.id !== me && !(m.read != null && m.read >= msg.seq));
      sheetBody.replaceChildren();
      sheetBody.append(el("div", "sheet-title", fmt(gettext("%(n)s read"), { n: who.length })));
      const list = el("ul", "reader-list");
      who.forEach((m) => list.append(el("li", "", m.name)));
      sheetBody.append(list);
      sheetBody.append(el("div", "sheet-title", fmt(gettext("%(n)s unread"), { n: unread.length })));
      const list2 = el("ul", "reader-list muted");
      unread.forEach((m) => list2.append(el("li", "", m.name)));
      sheetBody.append(list2);
      const close = el("button", "sheet-btn cancel", gettext("Close"));
      close.type = "button";
      close.addEventListener("click", closeSheet);
      sheetBody.append(close);
      showSheet();
    }

    function showImage(url) {
      sheetBody.replaceChildren();
      const img = el("img", "full-image");
      img.src = url;
      img.alt = gettext("Photo");
      img.addEventListener("click", closeSheet);
      const close = el("button", "sheet-btn cancel", gettext("Close"));
      close.type = "button";
      close.addEventListener("click", closeSheet);
      sheetBody.append(img, close);
      showSheet();
    }

    function forward(msg) {
      RT.send("chat.targets").then((d) => {
        openSheet(
          d.chats.filter((c) => c.id !== conv).slice(0, 12).map((c) => [
            c.title,
            () => RT.send("chat.forward", { id: msg.id, to: [c.id] }).then(() => RT.toast(gettext("Forwarded"))).catch(() => {}),
          ])
        );
      }).catch(() => {});
    }

    box.addEventListener("click", (e) => {
      const reedit = e.target.closest("[data-reedit]");
      if (reedit) {
        RT.send("chat.reedit", { id: Number(reedit.dataset.reedit) }).then((d) => { input.value = d.text; input.focus(); }).catch(() => {});
        return;
      }
      const jump = e.target.closest("[data-jump]");
      if (jump) { const target = document.getElementById("m" + jump.dataset.jump); if (target) target.scrollIntoView({ block: "center" }); return; }
      const full = e.target.closest("img[data-full]");
      if (full) { showImage(full.dataset.full); return; }
      const readersEl = e.target.closest("[data-readers='1']");
      if (readersEl) { showReaders(bySeq.get(Number(readersEl.closest(".msg").dataset.seq))); return; }
      const bubble = e.target.closest("[data-bubble]");
      const row = e.target.closest(".msg[data-id]");
      if (bubble && row) {
        const msg = bySeq.get(Number(row.dataset.seq));
        if (msg && !(e.target.closest("a"))) messageActions(msg);
        return;
      }
      const patRow = e.target.closest(".msg.sys[data-withdraw='1']");
      if (patRow) {
        const msg = bySeq.get(Number(patRow.dataset.seq));
        if (msg) openSheet([[gettext("Withdraw the pat"), () => RT.send("chat.recall", { id: msg.id }).catch(() => {}), "danger"]]);
      }
    });
    // The keyboard path: Enter/Space on a bubble opens its actions (as a tap), on an avatar pats, on your own
    // pat offers to withdraw it; Shift+F10 or the menu key opens a message's actions from inside it (cards).
    box.addEventListener("keydown", (e) => {
      const menuKey = e.key === "ContextMenu" || (e.key === "F10" && e.shiftKey);
      const press = e.key === "Enter" || e.key === " ";
      if (!menuKey && !press) return;
      const row = e.target.closest(".msg[data-seq]");
      if (!row) return;
      const avatar = press && e.target.closest("[data-pat]");
      if (avatar && state.active) { e.preventDefault(); pat(avatar); return; }
      if (menuKey) {
        const msg = bySeq.get(Number(row.dataset.seq));
        if (msg && row.querySelector("[data-bubble]")) { e.preventDefault(); messageActions(msg); }
      } else if (e.target.matches("[data-bubble], .sysline[role=button], [data-jump]")) {
        e.preventDefault();
        e.target.click();
      }
    });
    function pat(avatar) {
      RT.send("chat.send", { conversation: conv, kind: "pat", target: Number(avatar.dataset.pat), client_id: uuid() }).catch(() => {});
    }
    // Pat-pat: double-tap someone's avatar.
    box.addEventListener("dblclick", (e) => {
      const avatar = e.target.closest("[data-pat]");
      if (!avatar || !state.active) return;
      e.preventDefault();
      pat(avatar);
    });

    // --- Live events -------------------------------------------------------------------------------------
    RT.on("chat.message", (d) => {
      if (d.conversation !== conv) { refreshBadge(); return; }
      const msg = d.message;
      if (msg.seq > lastSeq + 1 && !bySeq.has(msg.seq - 1)) {
        // A hole: the layer dropped something, or we were away. Fetch it, in order.
        accept([msg]);
        sync();
      } else {
        accept([msg]);
      }
    });
    RT.on("chat.notice", (d) => acceptNotices([d]));
    RT.on("chat.message_updated", (d) => {
      if (d.conversation !== conv) return;
      if (bySeq.has(d.message.seq) || d.message.seq <= lastSeq) place(d.message);
    });
    RT.on("chat.hidden", (d) => {
      if (d.conversation !== conv) return;
      const node = byId.get(d.id);
      if (node) node.remove();
    });
    RT.on("chat.read", (d) => {
      if (d.conversation !== conv) return;
      const m = members[String(d.user)];
      if (m) { m.read = Math.max(m.read || 0, d.seq); updateReceipts(); }
    });
    // "typing…" shows while the other person types: it goes when their message arrives, or after 5 s of
    // silence (a typing event comes at most every 3 s while they type).
    let typingTimer = null;
    function showTyping(on) {
      const tnode = document.querySelector("[data-typing]");
      const title = document.querySelector("[data-chat-title]");
      clearTimeout(typingTimer);
      tnode.hidden = !on;
      title.hidden = on;
      if (on) typingTimer = setTimeout(() => showTyping(false), 5000);
    }
    RT.on("chat.typing", (d) => {
      if (d.conversation !== conv || d.user === me) return;
      showTyping(true);
    });
    RT.on("chat.message", (d) => {
      if (d.conversation === conv && d.message.sender !== me) showTyping(false);
    });
    RT.on("chat.conversation", (d) => {
      if (d.conversation !== conv) return;
      // Names, members or roles changed: the page is the simplest truth.
      location.reload();
    });
    function showPresence(p) {
      const node = document.querySelector("[data-presence]");
      if (!node || !p || p.user !== state.other) return;
      if (p.online) node.textContent = gettext("Online");
      else if (p.last_seen) node.textContent = fmt(gettext("Last seen %(time)s"), { time: timeLabel(p.last_seen) });
      else node.textContent = "";
    }
    RT.on("chat.presence", showPresence);
    function askPresence() {
      if (!state.group && state.active) RT.send("chat.presence", { conversation: conv }).then(showPresence).catch(() => {});
    }
    // Every time the socket opens, the first time too: a message sent between this page's render and the
    // socket joining the conversation's group was pushed to nobody, and only a catch-up brings it.
    RT.onConnect(() => { sync(); askPresence(); });
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") { sync(); markRead(); } });
    window.addEventListener("scroll", () => {
      if (window.scrollY < 80) loadOlder();
      if (atBottom()) document.querySelector("[data-new-below]").hidden = true;
    }, { passive: true });
    document.querySelector("[data-new-below]").addEventListener("click", (e) => { e.currentTarget.hidden = true; toBottom(); });

    // First paint from the page, then catch up on anything newer and open where a search result points.
    state.messages.forEach(place);
    (state.notices || []).forEach(placeNotice);
    const first = state.messages[0];
    lastSeq = state.messages.length ? state.messages[state.messages.length - 1].seq : 0;
    if (!first || state.messages.length < 50) noOlder = true;
    toBottom();
    markRead();
    const hash = /^#m(\d+)$/.exec(location.hash);
    if (hash) {
      const want = Number(hash[1]);
      (async () => {
        for (let i = 0; i < 40 && !document.getElementById("m" + want) && !noOlder; i++) await loadOlder();
        const target = document.getElementById("m" + want);
        if (target) { target.scrollIntoView({ block: "center" }); target.classList.add("flash"); }
      })();
    }
    window.__chat = { sync, state: () => ({ lastSeq, count: bySeq.size }) };
  }

  document.addEventListener("DOMContentLoaded", () => {
    const thread = document.querySelector("[data-chat]");
    const list = document.querySelector("[data-chat-list]") || document.querySelector("[data-tab-chats]");
    if (thread) setupThread(thread);
    else if (list) setupList(list);
    else RT.on("chat.message", refreshBadge);
  });
})();
