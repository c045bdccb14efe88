/* commentsvc widget: <div id="commentsvc" data-site="demo" data-article="hello-world"></div>
   <script src="https://comments.example.org/embed.js" async></script>
   Options: data-lang, data-theme (light|dark|auto), data-lazy, data-title, data-per-page,
   data-strings (JSON: English text -> the site's own wording). window.commentsvc.setTheme(name).
   Plain JavaScript, no dependencies, no cookies. User text goes in through textContent and
   attributes only; body_html (sanitised by the server) through a template element.
   Every text is t("English") / nt("One", "Many", n): extracted into the gettext catalogue and
   served back per language as JSON (see commentsvc/i18n.py). */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector('script[src*="embed.js"]');
  if (!script || window.commentsvc && window.commentsvc.started) return;
  var SRC = script.src;
  // Filled in by the server: the stylesheet's versioned URL and each language's strings file.
  var BUILD = /*@BUILD@*/{ "css": "embed.css", "strings": {}, "rtl": [] };
  var API = new URL("api/v1/", SRC).href;
  var AUTHOR_KEY = "commentsvc.author";
  var EDIT_PREFIX = "commentsvc.edit.";
  var HEIGHTS = "commentsvc.heights";  // {site/article path: {w, h}}: space to reserve next time
  var HEIGHTS_KEPT = 30;
  var FIELDS = ["body", "name", "email", "url"];  // in the form's order
  var widgets = [];

  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k]);
    }
    (kids || []).forEach(function (kid) { if (kid) node.append(kid); });
    return node;
  }

  /* ---- languages ---- */

  function matchLang(tag) {
    if (!tag) return null;
    var lower = String(tag).replace(/_/g, "-").toLowerCase();
    var base = lower.split("-")[0];
    if (base === "zh") return /^zh(-hans)?(-cn|-sg)?$/.test(lower) || /^zh-hans/.test(lower) ? "zh-Hans" : null;
    if (base === "no" || base === "nn") base = "nb";
    if (base === "iw") base = "he";
    return base === "en" || BUILD.strings[base] ? base : null;
  }

  function chooseLang(root) {
    var wanted = [root.getAttribute("data-lang"), document.documentElement.getAttribute("lang")]
      .concat(navigator.languages || [navigator.language]);
    for (var i = 0; i < wanted.length; i++) {
      var found = matchLang(wanted[i]);
      if (found) return found;
    }
    return null;  // the site's default_lang, then English, once the thread has answered
  }

  var catalogues = {};
  function loadStrings(lang) {
    if (lang === "en") return Promise.resolve({});
    if (!catalogues[lang]) {
      catalogues[lang] = fetch(new URL("i18n/" + lang + "." + BUILD.strings[lang] + ".json", SRC).href, { credentials: "omit" })
        .then(function (r) { return r.ok ? r.json() : {}; })
        .catch(function () { return {}; });
    }
    return catalogues[lang];
  }

  function Words(lang, messages, overrides) {
    this.lang = lang;
    this.messages = Object.assign({}, messages, overrides || {});
    this.plural = new Intl.PluralRules(lang);
    this.number = new Intl.NumberFormat(lang);
    this.dates = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  }
  function fill(text, vars) {
    return text.replace(/%\((\w+)\)s/g, function (m, k) { return vars && k in vars ? vars[k] : m; });
  }
  Words.prototype.t = function (msgid, vars) {
    var text = this.messages[msgid];
    return fill(typeof text === "string" && text ? text : msgid, vars);
  };
  Words.prototype.nt = function (one, other, n, vars) {
    var forms = this.messages[one];
    var category = this.plural.select(n);
    var text = forms && typeof forms === "object" ? forms[category] || forms.other : null;
    if (!text) text = new Intl.PluralRules("en").select(n) === "one" ? one : other;
    return fill(text, Object.assign({ num: this.number.format(n) }, vars));
  };
  Words.prototype.date = function (iso) {
    var when = new Date(iso);
    return isNaN(when) ? iso : this.dates.format(when);
  };
  // Named so the catalogue extractor finds every text: t("…") and nt("…", "…", n).
  var w = null;
  function t(msgid, vars) { return w.t(msgid, vars); }
  function nt(one, other, n, vars) { return w.nt(one, other, n, vars); }

  /* ---- storage and HTTP ---- */

  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* storage off: nothing is remembered */ }
  }

  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function call(method, path, body, headers) {
    var init = { method: method, credentials: "omit", headers: headers || {} };
    init.headers["Accept-Language"] = w ? w.lang : "en";
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(API + path, init).then(function (r) {
      return (r.status === 204 ? Promise.resolve({}) : r.json().catch(function () { return {}; }))
        .then(function (data) { return { status: r.status, data: data, response: r }; });
    });
  }

  function ownEdits(site, article) {
    var mine = {};
    var now = Date.now();
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var key = localStorage.key(i);
        if (key.indexOf(EDIT_PREFIX) !== 0) continue;
        var entry = load(key);
        if (!entry || Date.parse(entry.expires) <= now) { localStorage.removeItem(key); continue; }
        if (entry.site === site && entry.article === article) mine[entry.comment.id] = entry;
      }
    } catch (e) { /* storage off */ }
    return mine;
  }

  var stylesheet = null;
  function styles() {
    if (!stylesheet) {
      stylesheet = new Promise(function (resolve) {
        var href = new URL(BUILD.css, SRC).href;
        var link = document.querySelector('link[data-commentsvc]');
        if (link && link.sheet) return resolve();
        if (!link) {
          link = el("link", { rel: "stylesheet", href: href, "data-commentsvc": "" });
          document.head.append(link);
        }
        link.addEventListener("load", resolve);
        link.addEventListener("error", resolve);
        setTimeout(resolve, 4000);  // never wait forever for a stylesheet
      });
    }
    return stylesheet;
  }

  /* Identicons drawn here from the keyed digest in the avatar URL: no request per avatar. */
  var SVG = "http://www.w3.org/2000/svg";
  function avatar(url) {
    var match = /\/avatars\/([0-9a-f]{20})\.svg$/.exec(url || "");
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "commentsvc-avatar");
    svg.setAttribute("viewBox", "-0.5 -0.5 6 6");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var bits = match ? match[1].match(/../g).map(function (h) { return parseInt(h, 16); }) : null;
    var back = document.createElementNS(SVG, "rect");
    [["x", "-0.5"], ["y", "-0.5"], ["width", "6"], ["height", "6"], ["class", "commentsvc-avatar-bg"]]
      .forEach(function (a) { back.setAttribute(a[0], a[1]); });
    svg.append(back);
    if (!bits) return svg;
    var group = document.createElementNS(SVG, "g");
    group.setAttribute("fill", "hsl(" + Math.floor(bits[0] * 360 / 256) + ",55%,50%)");
    for (var cell = 0; cell < 15; cell++) {
      if (!(bits[1 + (cell >> 3)] >> (cell & 7) & 1)) continue;
      var row = Math.floor(cell / 3), col = cell % 3;
      [col, 4 - col].filter(function (x, i, all) { return all.indexOf(x) === i; }).forEach(function (x) {
        var r = document.createElementNS(SVG, "rect");
        r.setAttribute("x", x); r.setAttribute("y", row); r.setAttribute("width", 1); r.setAttribute("height", 1);
        group.append(r);
      });
    }
    svg.append(group);
    return svg;
  }

  /* ---- the widget ---- */

  function Widget(root) {
    this.root = root;
    this.site = root.getAttribute("data-site");
    this.article = root.getAttribute("data-article") || location.pathname;
    this.title = root.getAttribute("data-title");
    this.perPage = parseInt(root.getAttribute("data-per-page"), 10) || 50;
    this.path = "sites/" + encodeURIComponent(this.site) + "/articles/" +
      encodeURIComponent(this.article) + "/";
    this.page = 1;
    this.shown = {};
    try { this.overrides = JSON.parse(root.getAttribute("data-strings") || "{}"); } catch (e) { this.overrides = {}; }
    root.classList.add("commentsvc");
    if (!root.getAttribute("data-theme")) root.setAttribute("data-theme", "auto");
    applyScheme(root);
    root.setAttribute("aria-busy", "true");
  }

  Widget.prototype.start = function () {
    var self = this;
    this.reserveSpace();
    var lang = chooseLang(this.root);
    this.refreshToken();
    var thread = call("GET", this.threadQuery());
    var strings = lang ? loadStrings(lang) : thread.then(function (r) {
      lang = matchLang(r.data && r.data.default_lang) || "en";
      return loadStrings(lang);
    }, function () { lang = "en"; return {}; });
    Promise.all([styles(), strings, thread.catch(function () { return null; })]).then(function (got) {
      self.words = w = new Words(lang, got[1], self.overrides);
      self.root.setAttribute("lang", lang === "zh-Hans" ? "zh-Hans" : lang);
      self.root.setAttribute("dir", BUILD.rtl.indexOf(lang) >= 0 ? "rtl" : "ltr");
      self.build();
      self.showPage(got[2], true);
      self.root.removeAttribute("aria-busy");
      self.rememberHeight();
      self.releaseSpace();
    });
  };

  /* Without the snippet's min-height the widget takes its space itself, before anything shows:
     the height this thread had at this width on the last visit (localStorage: a returning
     reader's new tab), but never more than reaches the bottom of the window. What follows the
     widget then leaves the view in one step, and nothing in view moves when the thread
     arrives (releaseSpace gives back what is not needed only out of view). */
  Widget.prototype.reserveSpace = function () {
    var root = this.root;
    if (root.style.minHeight) return;  // the page reserved it (the README's snippet)
    var box = root.getBoundingClientRect();
    var room = Math.min(window.innerHeight - box.top, window.innerHeight);
    if (room <= 0) return;  // below the view: growing there moves nothing anyone sees
    var known = (load(HEIGHTS) || {})[this.path];
    var height = known && known.w === Math.round(box.width) ? Math.min(known.h, room) : room;
    root.style.minHeight = Math.ceil(height) + "px";
  };

  Widget.prototype.rememberHeight = function () {
    var last = this.root.lastElementChild;
    if (!last) return;
    var box = this.root.getBoundingClientRect();
    var heights = load(HEIGHTS) || {};
    delete heights[this.path];  // newest last; the oldest go beyond HEIGHTS_KEPT
    heights[this.path] = { w: Math.round(box.width),
                           h: Math.ceil(last.getBoundingClientRect().bottom - box.top) };
    var keys = Object.keys(heights);
    keys.slice(0, Math.max(0, keys.length - HEIGHTS_KEPT)).forEach(function (k) { delete heights[k]; });
    store(HEIGHTS, heights);
  };

  Widget.prototype.threadQuery = function () {
    return this.path + "comments?page=" + this.page + "&per_page=" + this.perPage;
  };

  /* The page reserves space for the widget (style="min-height: 100vh" on the div, see the
     README), so whatever follows it is already out of view when the thread arrives. Give the
     space back only when that moves nothing in view: the thread itself reaches past the bottom
     of the window. */
  Widget.prototype.releaseSpace = function () {
    var root = this.root;
    if (!root.style.minHeight) return;
    var last = root.lastElementChild;
    var natural = last ? last.getBoundingClientRect().bottom : root.getBoundingClientRect().top;
    if (natural > window.innerHeight) root.style.minHeight = "";
  };

  Widget.prototype.build = function () {
    var self = this;
    this.heading = el("h2", { "class": "commentsvc-title", id: "commentsvc-title", hidden: "" });
    this.list = el("ol", { "class": "commentsvc-list", "aria-labelledby": "commentsvc-title" });
    this.more = el("button", { type: "button", "class": "commentsvc-more", hidden: "",
                               text: t("Show more comments") });
    this.more.addEventListener("click", function () { self.loadMore(); });
    this.buildForm();
    this.root.replaceChildren(this.heading, this.list, this.more, this.respond);
  };

  Widget.prototype.loadMore = function () {
    var self = this;
    this.more.disabled = true;
    return call("GET", this.threadQuery()).then(function (r) { self.showPage(r, false); },
                                                 function () { self.showPage(null, false); });
  };

  Widget.prototype.showPage = function (r, first) {
    var self = this;
    this.more.disabled = false;
    if (!r || r.status !== 200) {
      if (first) this.form.hidden = this.titleRow.hidden = true;  // nothing to reply to
      this.notify(r && r.data.message || t("Comments could not be loaded."), true);
      return;
    }
    this.edits = ownEdits(this.site, this.article);
    var count = r.data.count;
    this.heading.hidden = count === 0;
    this.heading.textContent = this.title
      ? nt("%(num)s thought on \u201c%(title)s\u201d", "%(num)s thoughts on \u201c%(title)s\u201d", count, { title: this.title })
      : nt("%(num)s Comment", "%(num)s Comments", count);
    if (first) {
      this.open = !!r.data.comments_open;
      this.form.hidden = !this.open;
      this.titleRow.hidden = !this.open;
      this.closed.hidden = this.open;
    }
    var added = r.data.comments.map(function (c) { return self.list.appendChild(self.renderComment(c, false)); });
    this.more.hidden = r.data.page >= r.data.pages;
    if (first) this.showOwnPending();
    else if (added.length) {
      // Focus the first newly shown comment: nothing is lost when the button disappears.
      added[0].setAttribute("tabindex", "-1");
      added[0].focus();
    }
    this.page += 1;
  };

  Widget.prototype.showOwnPending = function () {
    for (var id in this.edits) {
      if (this.shown[id]) continue;
      var entry = this.edits[id];
      this.placeComment(entry.comment, entry.pending !== false);
    }
  };

  Widget.prototype.placeComment = function (comment, pending) {
    var parent = comment.parent_id && this.shown[comment.parent_id];
    var node = this.renderComment(comment, pending);
    if (parent) {
      var children = parent.querySelector(":scope > .commentsvc-children");
      if (!children) parent.append(children = el("ol", { "class": "commentsvc-children" }));
      children.append(node);
    } else {
      this.list.append(node);
    }
    return node;
  };

  Widget.prototype.renderComment = function (c, pending) {
    var self = this;
    var author = c.author || {};
    var name;
    if (author.url && /^https?:\/\//i.test(author.url)) {
      name = el("a", { href: author.url, rel: "nofollow ugc noopener" }, [el("bdi", { text: author.name })]);
    } else {
      name = el("span", {}, [el("bdi", { text: author.name })]);
    }
    var when = el("time", { datetime: c.created_at, text: w.date(c.created_at) });
    var content = el("div", { "class": "commentsvc-content", dir: "auto" });
    var tpl = document.createElement("template");
    tpl.innerHTML = c.body_html;  // sanitised on the server; never names or urls
    content.append(tpl.content);
    if (c.text) content.firstChild.textContent = c.text;
    var actions = el("div", { "class": "commentsvc-actions" });
    var li = el("li", { "class": "commentsvc-comment" + (pending ? " commentsvc-pending" : ""),
                        id: "comment-" + c.id }, [
      el("article", {}, [
        el("footer", { "class": "commentsvc-meta" }, [
          avatar(author.avatar),
          el("b", { "class": "commentsvc-author" }, [name]), " ",
          c.staff ? el("span", { "class": "commentsvc-staff", text: t("Staff") }) : null,
          c.pinned ? el("span", { "class": "commentsvc-pick", text: t("Editors' pick") }) : null,
          el("a", { "class": "commentsvc-permalink", href: "#comment-" + c.id }, [when]),
          c.edited_at ? el("span", { "class": "commentsvc-edited", text: t("(edited)") }) : null,
        ]),
        pending ? el("p", { "class": "commentsvc-awaiting",
                            text: t("Awaiting moderation. Only you can see this comment.") }) : null,
        content,
        actions,
      ]),
    ]);
    this.shown[c.id] = li;
    if (!pending && this.open) {
      var reply = el("button", { type: "button", "class": "commentsvc-reply",
                                 "aria-label": t("Reply to %(name)s", { name: author.name }),
                                 text: t("Reply") });
      reply.addEventListener("click", function () { self.replyTo(c, li, reply); });
      actions.append(reply);
    }
    if (!pending) this.addReport(c, actions);
    var entry = this.edits && this.edits[c.id];
    if (entry) {
      if (!pending) entry.pending = false;  // published since it was posted
      this.addEditControls(entry, li, content, actions);
    }
    (c.replies || []).forEach(function (r) {
      var children = li.querySelector(":scope > .commentsvc-children");
      if (!children) li.append(children = el("ol", { "class": "commentsvc-children" }));
      children.append(self.renderComment(r, false));
    });
    return li;
  };

  Widget.prototype.field = function (name, label, type, attrs, required) {
    var id = "commentsvc-" + name;
    var input = el(type === "textarea" ? "textarea" : "input", Object.assign({
      id: id, name: name, type: type === "textarea" ? null : type,
      "aria-describedby": id + "-error", required: required ? "" : null,
    }, attrs));
    var labelNode = el("label", { "for": id, text: label });
    if (required) labelNode.append(" ", el("span", { "class": "commentsvc-required", text: "*" }));
    var error = el("span", { "class": "commentsvc-error", id: id + "-error" });
    this.inputs[name] = input;
    this.errors[name] = error;
    this.labels[name] = label;
    return el("p", { "class": "commentsvc-field commentsvc-field-" + name }, [labelNode, input, error]);
  };

  Widget.prototype.buildForm = function () {
    var self = this;
    this.inputs = {};
    this.errors = {};
    this.labels = {};
    this.titleText = el("h3", { "class": "commentsvc-reply-title", id: "commentsvc-reply-title",
                                text: t("Leave a Reply") });
    this.cancel = el("button", { type: "button", "class": "commentsvc-cancel", hidden: "",
                                 text: t("Cancel reply") });
    this.cancel.addEventListener("click", function () { self.cancelReply(true); });
    this.titleRow = el("div", { "class": "commentsvc-reply-head" }, [this.titleText, this.cancel]);
    this.notice = el("div", { "class": "commentsvc-notice", role: "status", "aria-live": "polite",
                              tabindex: "-1" });
    this.remember = el("input", { type: "checkbox", id: "commentsvc-remember", name: "remember" });
    this.notifyBox = el("input", { type: "checkbox", id: "commentsvc-notify", name: "notify", value: "replies" });
    this.notifyRow = el("p", { "class": "commentsvc-notify" }, [this.notifyBox, " ", el("label", {
      "for": "commentsvc-notify", text: t("Notify me of follow-up comments by email.") })]);
    this.notifyRow.hidden = !this.notifyOffered;
    this.submit = el("button", { type: "submit", "class": "commentsvc-submit", text: t("Post Comment") });
    // The honeypot: `hidden` keeps it from people, screen readers and the tab order, styled or not.
    var honeypot = el("p", { "class": "commentsvc-hp", hidden: "", "aria-hidden": "true" }, [
      el("label", { "for": "commentsvc-fax", text: "Fax" }),
      this.inputs.fax = el("input", { id: "commentsvc-fax", name: "fax", type: "text", tabindex: "-1",
                                      autocomplete: "off" })]);
    var star = el("span", { "class": "commentsvc-required", text: "*" });
    var notes = t("Required fields are marked %(mark)s").split("%(mark)s");
    this.form = el("form", { "class": "commentsvc-form", novalidate: "",
                             "aria-labelledby": "commentsvc-reply-title" }, [
      el("p", { "class": "commentsvc-notes" }, [
        el("span", { id: "commentsvc-email-notes", text: t("Your email address will not be published.") }),
        " " + notes[0], star, notes[1] || "",
      ]),
      // Required, yet labelled "Comment" without the mark, as WordPress's form has it (the contract).
      this.field("body", t("Comment"), "textarea", { rows: "8", maxlength: "5000", required: "" }, false),
      this.field("name", t("Name"), "text", { maxlength: "100", autocomplete: "name" }, true),
      this.field("email", t("Email"), "email", { maxlength: "254", autocomplete: "email" }, true),
      this.field("url", t("Website"), "url", { maxlength: "200", autocomplete: "url", dir: "ltr" }, false),
      honeypot,
      el("p", { "class": "commentsvc-remember" }, [this.remember, " ", el("label", {
        "for": "commentsvc-remember",
        text: t("Save my name, email, and website in this browser for the next time I comment.") })]),
      this.notifyRow,
      el("p", { "class": "commentsvc-submit-row" }, [this.submit]),
    ]);
    this.inputs.body.setAttribute("dir", "auto");
    this.inputs.name.setAttribute("dir", "auto");
    this.inputs.email.setAttribute("dir", "ltr");
    this.inputs.email.setAttribute("aria-describedby", "commentsvc-email-notes commentsvc-email-error");
    this.closed = el("p", { "class": "commentsvc-closed", hidden: "", text: t("Comments are closed.") });
    this.respond = el("div", { "class": "commentsvc-respond", id: "respond" }, [
      this.titleRow, this.notice, this.closed, this.form,
    ]);
    this.respond.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && self.parentId) { event.preventDefault(); self.cancelReply(true); }
    });
    var saved = load(AUTHOR_KEY);
    if (saved) {
      ["name", "email", "url"].forEach(function (k) { self.inputs[k].value = saved[k] || ""; });
      this.remember.checked = true;
    }
    this.form.addEventListener("submit", function (event) { event.preventDefault(); self.post(); });
  };

  Widget.prototype.refreshToken = function () {
    var self = this;
    this.token = null;
    call("GET", this.path + "form").then(function (r) {
      if (r.status === 200) self.token = r.data.form_token;
      if (r.status !== 200) return;
      self.notifyOffered = !!r.data.reader_notifications;  // the form may not be drawn yet
      if (self.notifyRow) self.notifyRow.hidden = !self.notifyOffered;
    }, function () { /* posting still works; the token only helps the spam checks */ });
  };

  Widget.prototype.replyTo = function (c, li, button) {
    this.parentId = c.id;
    this.replyButton = button;
    // The name isolated (<bdi>) inside the translated sentence, wherever the language puts it.
    var around = t("Reply to %(name)s", { name: "\u0000" }).split("\u0000");
    this.titleText.textContent = around[0];
    this.titleText.append(el("bdi", { text: c.author.name }), around[1] || "");
    this.cancel.hidden = false;
    li.querySelector(":scope > article").after(this.respond);
    this.inputs.body.focus();
  };

  Widget.prototype.cancelReply = function (focus) {
    var button = this.replyButton;
    this.parentId = null;
    this.replyButton = null;
    this.titleText.textContent = t("Leave a Reply");
    this.cancel.hidden = true;
    this.root.append(this.respond);
    if (focus && button) button.focus();
  };

  Widget.prototype.notify = function (text, isError) {
    if (!this.notice) return;
    this.notice.setAttribute("role", isError ? "alert" : "status");
    this.notice.setAttribute("aria-live", isError ? "assertive" : "polite");
    this.notice.classList.toggle("commentsvc-notice-error", !!isError);
    this.notice.textContent = text;
  };

  Widget.prototype.clearErrors = function () {
    for (var k in this.errors) {
      this.errors[k].textContent = "";
      this.inputs[k].removeAttribute("aria-invalid");
    }
    this.notify("", false);
  };

  Widget.prototype.post = function (bare) {
    var self = this;
    var v = {};
    FIELDS.concat(["fax"]).forEach(function (k) { v[k] = self.inputs[k].value; });
    var payload = { name: v.name, email: v.email, url: v.url, body: v.body, fax: v.fax,
                    parent_id: this.parentId || null, form_token: this.token,
                    notify: this.notifyBox.checked ? "replies" : null };
    if (!bare) {  // the article's title and URL; a page the site does not list is sent without
      payload.article_title = this.title || null;
      payload.article_url = location.href.split("#")[0];
    }
    this.clearErrors();
    this.submit.disabled = true;
    call("POST", this.path + "comments", payload).then(function (r) {
      self.submit.disabled = false;
      if (r.status === 201 || r.status === 202) return self.posted(r.data, v);
      var f = r.data.fields;
      if (r.status === 422 && f && !bare && (f.article_url || f.article_title)) return self.post(true);
      if (r.status === 422 && r.data.fields) {
        var first = null;
        FIELDS.forEach(function (k) {
          var problem = r.data.fields[k];
          if (!problem) return;
          // A whole sentence: the field's name, then what is wrong with it.
          self.errors[k].textContent = t("%(field)s: %(problem)s", { field: self.labels[k], problem: problem });
          self.inputs[k].setAttribute("aria-invalid", "true");
          first = first || self.inputs[k];
        });
        self.notify(t("Please correct the fields marked below."), true);
        return (first || self.notice).focus();
      }
      var text = r.data.message || t("Your comment could not be posted.");
      var wait = parseInt(r.response.headers.get("Retry-After"), 10);
      if (r.status === 429 && wait > 0) {
        text += " " + nt("Please try again in %(num)s second.", "Please try again in %(num)s seconds.", wait);
      }
      self.notify(text, true);
      self.notice.focus();
    }, function () {
      self.submit.disabled = false;
      self.notify(t("The comment service could not be reached. Please try again."), true);
      self.notice.focus();
    });
  };

  Widget.prototype.posted = function (data, v) {
    var pending = data.status !== "approved";
    store(AUTHOR_KEY, this.remember.checked ? { name: v.name, email: v.email, url: v.url } : null);
    var entry = { token: data.edit_token, expires: data.edit_expires_at, site: this.site,
                  article: this.article, body: v.body, pending: pending, comment: data.comment };
    store(EDIT_PREFIX + data.id, entry);
    this.edits = this.edits || {};
    this.edits[data.id] = entry;
    this.inputs.body.value = "";
    this.cancelReply(false);
    this.placeComment(data.comment, pending);
    this.refreshToken();
    this.notify(pending ? t("Your comment is awaiting moderation.") : t("Your comment has been published."));
    this.notice.focus();
  };

  // "Report": a reason and an optional note, sent to POST /comments/{id}/flags.
  // A function, not a list: the words are only known once the widget's language has loaded.
  function reasons() {
    return [["spam", t("Spam")], ["abuse", t("Abuse or harassment")], ["offensive", t("Offensive")],
            ["off_topic", t("Off topic")], ["other", t("Other")]];
  }
  Widget.prototype.addReport = function (c, actions) {
    var self = this;
    var open = el("button", { type: "button", "class": "commentsvc-report", text: t("Report"),
                              "aria-label": t("Report the comment by %(name)s", { name: (c.author || {}).name }) });
    open.addEventListener("click", function () {
      var reason = el("select", { name: "reason", "aria-label": t("Reason") }, reasons().map(function (r) {
        return el("option", { value: r[0], text: r[1] });
      }));
      var note = el("textarea", { name: "note", rows: "2", maxlength: "500",
                                  "aria-label": t("Note for the moderators (optional)"),
                                  placeholder: t("Note for the moderators (optional)") });
      var cancel = el("button", { type: "button", text: t("Cancel") });
      var form = el("form", { "class": "commentsvc-report-form" }, [reason, note,
        el("button", { type: "submit", text: t("Send report") }), cancel]);
      var close = function () { form.remove(); open.hidden = false; open.focus(); };
      cancel.addEventListener("click", close);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        call("POST", "comments/" + c.id + "/flags", { reason: reason.value, note: note.value })
          .then(function (r) {
            if (r.status === 202) {
              form.replaceWith(el("p", { "class": "commentsvc-reported", role: "status",
                                         text: t("Thank you. A moderator will look at this comment.") }));
              open.remove();
            } else {
              self.notify((r.data && r.data.message) || t("The report could not be sent."), true);
            }
          }, function () { self.notify(t("The comment service could not be reached. Please try again."), true); });
      });
      open.hidden = true;
      actions.after(form);
      reason.focus();
    });
    actions.append(open);
  };

  Widget.prototype.addEditControls = function (entry, li, content, actions) {
    var self = this;
    var id = entry.comment.id;
    var edit = el("button", { type: "button", "class": "commentsvc-edit", text: t("Edit") });
    var withdraw = el("button", { type: "button", "class": "commentsvc-withdraw", text: t("Withdraw") });
    var headers = function () { return { "X-Edit-Token": entry.token }; };
    var forget = function () { store(EDIT_PREFIX + id, null); edit.remove(); withdraw.remove(); };
    var unreachable = function () { self.notify(t("The comment service could not be reached. Please try again."), true); };
    var expired = function () {
      if (Date.parse(entry.expires) > Date.now()) return false;
      forget();
      self.notify(t("The time to edit this comment has passed."), true);
      return true;
    };
    edit.addEventListener("click", function () {
      if (expired()) return;
      var box = el("textarea", { id: "commentsvc-edit-" + id, rows: "6", maxlength: "5000", dir: "auto",
                                 "aria-describedby": "commentsvc-edit-" + id + "-error" });
      box.value = entry.body || "";
      var error = el("span", { "class": "commentsvc-error", id: "commentsvc-edit-" + id + "-error" });
      var save = el("button", { type: "submit", text: t("Save") });
      var cancel = el("button", { type: "button", text: t("Cancel") });
      var form = el("form", { "class": "commentsvc-edit-form", novalidate: "" }, [
        el("label", { "for": box.id, text: t("Edit your comment") }), box, error,
        el("p", {}, [save, " ", cancel])]);
      var close = function () { form.remove(); content.hidden = false; actions.hidden = false; edit.focus(); };
      cancel.addEventListener("click", close);
      form.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); close(); }
      });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (expired()) return close();
        call("PATCH", "comments/" + id, { body: box.value }, headers()).then(function (r) {
          if (r.status === 200) {
            var c = r.data.comment || r.data;
            entry.body = box.value;
            var status = r.data.status || c.status;
            if (status) entry.pending = status !== "approved";
            // The answer's public shape when it has one; else the new text, as text.
            entry.comment = c.body_html !== undefined ? c : Object.assign({}, entry.comment, {
              body_html: "<p></p>", text: box.value });
            store(EDIT_PREFIX + id, entry);
            var fresh = self.renderComment(entry.comment, entry.pending);
            var kids = li.querySelector(":scope > .commentsvc-children");
            if (kids && !fresh.querySelector(":scope > .commentsvc-children")) fresh.append(kids);
            li.replaceWith(fresh);
            self.notify(entry.pending ? t("Your comment is awaiting moderation.") : t("Your comment has been updated."));
            return fresh.querySelector(".commentsvc-edit").focus();
          }
          if (r.status === 422 && r.data.fields) {
            error.textContent = r.data.fields.body || r.data.message;
            box.setAttribute("aria-invalid", "true");
            return box.focus();
          }
          if (r.status >= 401 && r.status <= 404) { forget(); form.remove(); content.hidden = false; actions.hidden = false; }
          self.notify(r.data.message || t("Your comment could not be changed."), true);
          self.notice.focus();
        }, unreachable);
      });
      content.hidden = true;
      actions.hidden = true;
      content.after(form);
      box.focus();
    });
    withdraw.addEventListener("click", function () {
      if (expired()) return;
      var yes = el("button", { type: "button", text: t("Yes, withdraw it") });
      var no = el("button", { type: "button", text: t("Keep it") });
      var question = el("span", { id: "commentsvc-confirm-" + id, text: t("Withdraw this comment?") });
      var ask = el("p", { "class": "commentsvc-confirm", role: "group",
                          "aria-labelledby": question.id }, [question, " ", yes, " ", no]);
      var keep = function () { ask.remove(); withdraw.focus(); };
      no.addEventListener("click", keep);
      ask.addEventListener("keydown", function (event) { if (event.key === "Escape") keep(); });
      yes.addEventListener("click", function () {
        call("DELETE", "comments/" + id, undefined, headers()).then(function (r) {
          if (r.status === 204 || r.status === 200) {
            store(EDIT_PREFIX + id, null);
            delete self.shown[id];
            li.remove();
            self.notify(t("Your comment has been withdrawn."));
            return self.notice.focus();
          }
          if (r.status >= 401 && r.status <= 404) forget();
          ask.remove();
          self.notify(r.data.message || t("Your comment could not be withdrawn."), true);
          self.notice.focus();
        }, unreachable);
      });
      actions.after(ask);
      yes.focus();
    });
    actions.append(edit, " ", withdraw);
  };

  /* ---- themes: data-theme is what the page asked for, data-scheme what is in effect ---- */

  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function applyScheme(root) {
    var theme = root.getAttribute("data-theme");
    var dark = theme === "dark" || theme !== "light" && !!darkQuery && darkQuery.matches;
    root.setAttribute("data-scheme", dark ? "dark" : "light");
  }
  if (darkQuery && darkQuery.addEventListener) {
    darkQuery.addEventListener("change", function () {
      widgets.forEach(function (widget) { applyScheme(widget.root); });
    });
  }

  function setTheme(name) {
    var theme = name === "light" || name === "dark" ? name : "auto";
    var root = document.getElementById("commentsvc");
    if (root) { root.setAttribute("data-theme", theme); applyScheme(root); }
    return theme;
  }

  /* ---- start ---- */

  function begin() {
    styles();  // ask for the stylesheet at once, even for a lazy widget
    var root = document.getElementById("commentsvc");
    if (!root || !root.getAttribute("data-site")) return;
    var widget = new Widget(root);
    widgets.push(widget);
    if (!root.hasAttribute("data-lazy") || !("IntersectionObserver" in window)) return widget.start();
    // data-lazy: load the thread once the widget is within one viewport of being seen.
    var watcher = new IntersectionObserver(function (entries) {
      if (!entries.some(function (e) { return e.isIntersecting; })) return;
      watcher.disconnect();
      widget.start();
    }, { rootMargin: "100% 0px 100% 0px" });
    watcher.observe(root);
  }

  window.commentsvc = Object.assign(window.commentsvc || {}, { started: true, setTheme: setTheme });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", begin);
  else begin();
})();
