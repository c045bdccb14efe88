// The review page's keyboard and in-place actions. Plain JavaScript, no build step, no
// third-party requests. Every text from a comment is set with textContent, never as HTML.
(function () {
  "use strict";

  var csrf = "";
  var cards = [];
  var current = -1;

  function notice(text) {
    var el = document.getElementById("notice");
    if (el) { el.textContent = text; }
  }

  function focusCard(index) {
    if (!cards.length) { current = -1; return; }
    current = Math.max(0, Math.min(index, cards.length - 1));
    cards.forEach(function (card, i) { card.classList.toggle("current", i === current); });
    cards[current].focus({ preventScroll: true });
    cards[current].scrollIntoView({ block: "nearest" });
  }

  function updateCounts(counts) {
    if (!counts) { return; }
    Object.keys(counts).forEach(function (status) {
      var el = document.querySelector('[data-count="' + status + '"]');
      if (el) { el.textContent = String(counts[status]); }
    });
  }

  function post(url, fields) {
    var body = new URLSearchParams(fields);
    body.set("csrf_token", csrf);
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
      body: body
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new Error(data.message || ("The server answered " + response.status + "."));
        }
        return data;
      });
    });
  }

  function removeCard(card) {
    var index = cards.indexOf(card);
    card.remove();
    cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
    if (!cards.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "Nothing left here.";
      document.querySelector(".cards").appendChild(empty);
    }
    focusCard(index);
  }

  function act(card, status) {
    var button = card.querySelector('button[data-status="' + status + '"]');
    if (!button) { notice("That action does not apply to this comment."); return; }
    var form = button.form;
    var fields = { status: status };
    var site = form.querySelector('input[name="site"]');
    if (site) { fields.site = site.value; }
    button.disabled = true;
    post(form.action, fields).then(function (data) {
      updateCounts(data.counts);
      notice("Comment " + card.dataset.id + ": " + data.status + ".");
      removeCard(card);
    }).catch(function (error) {
      button.disabled = false;
      notice(error.message);
    });
  }

  function reveal(card) {
    var form = card.querySelector("form.reveal");
    if (!form) { return; }
    post(form.action, {}).then(function (data) {
      card.querySelector(".email").textContent = data.email || "no address stored";
      form.remove();
    }).catch(function (error) { notice(error.message); });
  }

  function toggleSelect(card) {
    var box = card.querySelector('input[name="ids"]');
    if (box) { box.checked = !box.checked; }
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var tag = event.target && event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") { return; }
    var card = cards[current];
    var actions = { a: "approved", s: "spam", r: "rejected" };
    if (event.key === "j") { focusCard(current + 1); }
    else if (event.key === "k") { focusCard(current - 1); }
    else if (!card) { return; }
    else if (actions[event.key]) { act(card, actions[event.key]); }
    else if (event.key === "e") { reveal(card); }
    else if (event.key === "x") { toggleSelect(card); }
    else { return; }
    event.preventDefault();
  }

  function start() {
    document.documentElement.classList.add("js-ready");
    var meta = document.querySelector('meta[name="csrf-token"]');
    csrf = meta ? meta.content : "";
    cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
    if (!cards.length) { return; }
    document.addEventListener("keydown", onKey);
    cards.forEach(function (card, i) {
      card.addEventListener("click", function () { focusCard(cards.indexOf(card)); });
      card.querySelectorAll("form.act").forEach(function (form) {
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          act(card, event.submitter ? event.submitter.value : form.querySelector("button").value);
        });
      });
      var revealForm = card.querySelector("form.reveal");
      if (revealForm) {
        revealForm.addEventListener("submit", function (event) {
          event.preventDefault();
          reveal(card);
        });
      }
    });
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll('input[name="ids"]').forEach(function (box) {
          box.checked = all.checked;
        });
      });
    }
    focusCard(0);
  }

  document.addEventListener("DOMContentLoaded", start);
}());
