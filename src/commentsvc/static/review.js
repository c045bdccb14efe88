// The review page's keyboard and in-place actions. Plain JavaScript, no build step, no
// third-party requests. Every text from a comment is set with textContent, never as HTML.
//
// The current card is the one that holds keyboard focus (or, before anything is focused, the
// first): a/s/r/e/x always act on the card that is highlighted. Single-key shortcuts work only
// inside the card list (or before anything has focus) and can be turned off (localStorage).
(function () {
  "use strict";

  var KEYS_OFF = "commentsvc-review-keys-off";
  var csrf = "";
  var cards = [];
  var current = -1;
  var strings = {};  // {English: translation} in the page's language, from the catalogue
  var lang = document.documentElement.lang || "en";

  // t("Comment %(id)s: %(status)s.", {id: 7, status: ...}) and nt(one, other, n, vars), as in
  // embed.js: the page holds its language's texts (id="review-strings"); English is the msgid.
  function fill(text, vars) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) {
      return vars && vars[name] !== undefined ? String(vars[name]) : all;
    });
  }
  function t(msgid, vars) { return fill(strings[msgid] || msgid, vars); }
  function nt(one, other, n, vars) {
    var forms = strings[one];
    var text = forms && forms[new Intl.PluralRules(lang).select(n)];
    if (!text) { text = n === 1 ? one : other; }
    return fill(text, Object.assign({ num: n }, vars || {}));
  }
  function statusName(status) {
    return { approved: t("approved"), spam: t("spam"), rejected: t("rejected"),
             pending: t("pending") }[status] || status;
  }

  // "5 minutes ago" in the page's language, the full date (no seconds) in the tooltip.
  function showTimes() {
    if (!window.Intl || !Intl.RelativeTimeFormat) { return; }
    var relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    var full = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
    var steps = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
                 ["hour", 3600], ["minute", 60]];
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) { return; }
      var seconds = Math.max(0, Math.round((Date.now() - when.getTime()) / 1000));
      var text = relative.format(0, "second");
      for (var i = 0; i < steps.length; i++) {
        if (seconds >= steps[i][1]) {
          text = relative.format(-Math.floor(seconds / steps[i][1]), steps[i][0]);
          break;
        }
      }
      el.textContent = text;
      el.title = full.format(when);
    });
  }

  function notice(text) {
    var el = document.getElementById("notice");
    if (el) { el.textContent = ""; el.textContent = text; }
  }

  function highlight(index) {
    if (!cards.length) { current = -1; return; }
    current = Math.max(0, Math.min(index, cards.length - 1));
    cards.forEach(function (card, i) { card.classList.toggle("current", i === current); });
  }

  function focusCard(index) {
    highlight(index);
    if (current < 0) { return; }
    cards[current].focus({ preventScroll: true });
    cards[current].scrollIntoView({ block: "nearest" });
  }

  function updateCounts(counts) {
    if (!counts) { return; }
    Object.keys(counts).forEach(function (status) {
      var el = document.querySelector('[data-count="' + status + '"]');
      if (el) { el.textContent = String(counts[status]); }
    });
    var waiting = document.querySelector('[data-figure="pending"]');
    if (waiting && counts.pending !== undefined) { waiting.textContent = String(counts.pending); }
    var tab = document.querySelector(".tabs a[aria-current='page']");
    if (tab && counts[tab.dataset.tab] !== undefined) {
      var label = tab.firstChild ? tab.firstChild.textContent.trim() : tab.dataset.tab;
      document.title = label + " (" + counts[tab.dataset.tab] + ") · commentsvc";
    }
  }

  function post(url, fields) {
    var body = fields instanceof URLSearchParams ? fields : new URLSearchParams(fields);
    body.set("csrf_token", csrf);
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
      body: body
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var fields = data.fields ? Object.keys(data.fields).map(function (name) {
            return name + ": " + data.fields[name];
          }).join("; ") : "";
          throw new Error(fields || data.message || t("The server answered %(status)s.", { status: response.status }));
        }
        return data;
      });
    });
  }

  function refreshCards() {
    cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
    if (!cards.length && !document.querySelector(".cards .empty")) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = t("Nothing left here.");
      document.querySelector(".cards").appendChild(empty);
    }
  }

  function removeCard(card) {
    var index = cards.indexOf(card);
    var hadFocus = card.contains(document.activeElement);
    card.remove();
    refreshCards();
    if (hadFocus) { focusCard(index); } else { highlight(index); }
  }

  function act(card, status) {
    var button = card.querySelector('button[data-status="' + status + '"]');
    if (!button) { notice(t("That action does not apply to comment %(id)s.", { id: card.dataset.id })); return; }
    var form = button.form;
    var fields = { status: status };
    var site = form.querySelector('input[name="site"]');
    if (site) { fields.site = site.value; }
    button.disabled = true;
    post(form.action, fields).then(function (data) {
      updateCounts(data.counts);
      notice(t("Comment %(id)s: %(status)s.", { id: card.dataset.id, status: statusName(data.status) }));
      removeCard(card);
    }).catch(function (error) {
      button.disabled = false;
      notice(error.message);
    });
  }

  function reveal(card) {
    var form = card.querySelector("form.reveal");
    if (!form) { notice(t("The address of comment %(id)s is shown.", { id: card.dataset.id })); return; }
    post(form.action, {}).then(function (data) {
      card.querySelector(".email").textContent = data.email || t("no address stored");
      form.remove();
      notice(t("Address of comment %(id)s revealed: %(email)s.",
               { id: card.dataset.id, email: data.email || t("no address stored") }));
    }).catch(function (error) { notice(error.message); });
  }

  function ticked() {
    return Array.prototype.slice.call(document.querySelectorAll('input[name="ids"]:checked'));
  }

  function toggleSelect(card) {
    var box = card.querySelector('input[name="ids"]');
    if (!box) { return; }
    box.checked = !box.checked;
    notice(box.checked ? t("Comment %(id)s selected; %(num)s selected.",
                           { id: card.dataset.id, num: ticked().length })
           : t("Comment %(id)s not selected; %(num)s selected.",
               { id: card.dataset.id, num: ticked().length }));
  }

  function bulk(form, status) {
    var boxes = ticked();
    if (!boxes.length) { notice(t("Tick at least one comment first, then choose the action.")); return; }
    var body = new URLSearchParams(new FormData(form));
    body.set("status", status);
    post(form.action, body).then(function (data) {
      updateCounts(data.counts);
      boxes.forEach(function (box) {
        var card = box.closest(".card");
        if (card) { card.remove(); }
      });
      refreshCards();
      highlight(current);
      var all = document.getElementById("select-all");
      if (all) { all.checked = false; }
      notice(nt("%(num)s comment: %(status)s.", "%(num)s comments: %(status)s.", data.updated,
                { status: statusName(status) }));
    }).catch(function (error) { notice(error.message); });
  }

  // The card's newsroom tools stay plain forms: a key opens or sends them (issue 17).
  function pinTool(card) {
    var form = card.querySelector("form.tool-pin");
    if (!form) { notice(t("That action does not apply to comment %(id)s.", { id: card.dataset.id })); return; }
    form.requestSubmit();
  }

  function openTool(card, name) {
    var details = card.querySelector('details[data-tool="' + name + '"]');
    if (!details) { notice(t("That action does not apply to comment %(id)s.", { id: card.dataset.id })); return; }
    details.open = true;
    var field = details.querySelector("select, textarea, input:not([type=hidden])");
    if (field) { field.focus(); }
  }

  // Sent in place when scripts run: the answer's line in the status line, a refusal under the
  // card's tools with the field's own label (the same words the page without scripts shows).
  function labelOf(form, name) {
    var field = form.querySelector('[name="' + name + '"]:not([type=hidden])');
    var set = field && field.closest("fieldset");
    if (set) { return set.querySelector("legend").textContent.trim(); }
    var label = field && field.labels && field.labels[0];
    if (label) { return label.firstChild.textContent.trim(); }
    var details = form.closest("details");
    return (details ? details.querySelector("summary") : form.querySelector("button")).textContent.trim();
  }

  function toolFailed(card, form, data, status) {
    var fields = data.fields || {};
    var names = Object.keys(fields);
    var first = form.dataset.first;
    var text = names.length ? names.map(function (name) {
      return labelOf(form, name) + ": " + fields[name];
    }).join(" · ") : labelOf(form, first) + ": " + (data.message || status);
    var tools = card.querySelector(".tools");
    var shown = tools.querySelector(".field-error");
    if (!shown) {
      shown = document.createElement("p");
      shown.className = "field-error";
      shown.id = "problem-" + card.dataset.id;
      tools.insertBefore(shown, tools.firstChild);
    }
    shown.textContent = text;
    notice(text);
    var bad = form.querySelector('[name="' + (names[0] || first) + '"]:not([type=hidden])');
    if (bad) {
      bad.setAttribute("aria-invalid", "true");
      bad.setAttribute("aria-describedby", shown.id);
      bad.focus();
    }
  }

  function toolDone(card, form, data) {
    var old = card.querySelector(".tools .field-error");
    if (old) { old.remove(); }
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    var button = form.querySelector("button[data-pin]");
    if (button) {
      var field = form.querySelector('input[name="pinned"]');
      var pinned = field.value === "1";
      field.value = pinned ? "0" : "1";
      button.textContent = pinned ? button.dataset.unpin : button.dataset.pin;
      var badges = card.querySelector(".badges");
      var pick = badges.querySelector(".pick");
      if (pinned && !pick) {
        pick = document.createElement("span");
        pick.className = "badge pick";
        pick.textContent = button.dataset.badge;
        badges.appendChild(pick);
      } else if (!pinned && pick) { pick.remove(); }
      badges.hidden = !badges.children.length;
    }
    var details = form.closest("details");
    if (details) {
      form.reset();
      details.open = false;
      details.querySelector("summary").focus();
    }
    updateCounts(data.counts);
    notice(data.message);
    var tab = form.querySelector('input[name="tab"]');
    if (data.rejected && tab && tab.value !== "rejected") {  // "Also reject all their comments"
      data.rejected.forEach(function (id) {
        var gone = document.querySelector('.card[data-id="' + id + '"]');
        if (gone) { removeCard(gone); }
      });
    }
  }

  function setUpTools(card) {
    card.querySelectorAll(".tools form:not(.act)").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector('button[type="submit"]');
        button.disabled = true;
        fetch(form.action, {
          method: "POST", credentials: "same-origin",
          headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
          body: new URLSearchParams(new FormData(form))
        }).then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            button.disabled = false;
            if (response.ok) { toolDone(card, form, data); }
            else { toolFailed(card, form, data, response.status); }
          });
        }).catch(function (error) { button.disabled = false; notice(error.message); });
      });
    });
  }

  function keysOn() {
    var box = document.getElementById("keys-on");
    return !box || box.checked;
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !keysOn()) { return; }
    var active = document.activeElement;
    var list = document.querySelector(".cards");
    var inList = list && active && list.contains(active);
    if (!inList && active && active !== document.body) { return; }  // header, tabs, forms
    var tag = active && active.tagName;
    if ((tag === "INPUT" && active.type !== "checkbox") || tag === "TEXTAREA" ||
        tag === "SELECT") { return; }
    if (inList) {
      var holder = active.closest(".card");
      if (holder) { highlight(cards.indexOf(holder)); }
    }
    var card = cards[current];
    var actions = { a: "approved", s: "spam", r: "rejected" };
    if (event.key === "j") { focusCard(current + 1); }
    else if (event.key === "k") { focusCard(current - 1); }
    else if (!card) { return; }
    else if (actions[event.key]) { act(card, actions[event.key]); }
    else if (event.key === "e") { reveal(card); }
    else if (event.key === "x") { toggleSelect(card); }
    else if (event.key === "p") { pinTool(card); }
    else if (event.key === "b") { openTool(card, "ban"); }
    else if (event.key === "w") { openTool(card, "reply"); }
    else { return; }
    event.preventDefault();
  }

  function setUpKeysToggle() {
    var box = document.getElementById("keys-on");
    if (!box) { return; }
    var stored = null;
    try { stored = window.localStorage.getItem(KEYS_OFF); } catch (e) { stored = null; }
    box.checked = stored !== "1";
    box.closest("label").hidden = false;
    box.addEventListener("change", function () {
      try { window.localStorage.setItem(KEYS_OFF, box.checked ? "0" : "1"); } catch (e) { /* private mode */ }
      notice(box.checked ? t("Single-key shortcuts on.") : t("Single-key shortcuts off."));
    });
  }

  function setUpBulk() {
    var form = document.getElementById("bulk");
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var status = event.submitter ? event.submitter.value : "";
      if (status) { bulk(form, status); }
    });
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll('input[name="ids"]').forEach(function (box) {
          box.checked = all.checked;
        });
        notice(t("%(num)s selected.", { num: ticked().length }));
      });
    }
  }

  function setUpSettings() {
    var form = document.querySelector("form.settings-form");
    if (!form) { return; }
    var status = form.querySelector(".settings-status");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      status.textContent = t("Saving…");
      post(form.action, new URLSearchParams(new FormData(form))).then(function (data) {
        var quiet = data.quiet_hours;
        var on = t("on");
        var off = t("off");
        var action = quiet && quiet.action === "close" ? t("close comments")
                                                       : t("hold every comment");
        var hours = quiet ? quiet.from + "–" + quiet.to + " " + quiet.tz + " (" + action + ")" : off;
        status.textContent = t("Saved. Read-only %(read_only)s; quiet hours %(quiet)s.",
                               { read_only: data.read_only ? on : off, quiet: hours });
      }).catch(function (error) {
        status.textContent = t("Not saved: %(reason)s", { reason: error.message });
      });
    });
  }

  function start() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    csrf = meta ? meta.content : "";
    var held = document.getElementById("review-strings");
    try { strings = held ? JSON.parse(held.textContent) : {}; } catch (e) { strings = {}; }
    showTimes();
    window.setInterval(showTimes, 60000);
    setUpKeysToggle();
    setUpBulk();
    setUpSettings();
    cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
    document.addEventListener("keydown", onKey);
    cards.forEach(function (card) {
      // The current card follows focus: Tab, a click or a screen reader's focus moves it.
      card.addEventListener("focusin", function () { highlight(cards.indexOf(card)); });
      card.addEventListener("click", function () { highlight(cards.indexOf(card)); });
      card.querySelectorAll("form.act").forEach(function (form) {
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          act(card, event.submitter ? event.submitter.value : form.querySelector("button").value);
        });
      });
      setUpTools(card);
      var revealForm = card.querySelector("form.reveal");
      if (revealForm) {
        revealForm.addEventListener("submit", function (event) {
          event.preventDefault();
          reveal(card);
        });
      }
    });
    var back = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    highlight(back && back.classList.contains("card") ? cards.indexOf(back) : 0);  // not focused
    document.documentElement.classList.add("js-ready");
  }

  document.addEventListener("DOMContentLoaded", start);
}());
