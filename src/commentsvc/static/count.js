/* commentsvc comment counts for article lists and bylines:
   <a href="/post/#comments" data-commentsvc-count data-site="demo" data-article="key"></a>
   <script src="https://comments.example.org/count.js" async></script>
   Fills each link (or span) with "Leave a Comment" / "1 Comment" / "N Comments" in the page's
   language, with one counts request per site (more only past 200 articles or a long URL). */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector('script[src*="count.js"]');
  if (!script) return;
  var SRC = script.src;
  var BUILD = /*@BUILD@*/{ "strings": {} };
  // One request per site unless its URL would pass what servers take in a request line
  // (gunicorn: 4,094 bytes) or the API's 200 articles; then as few requests as fit.
  var URL_MAX = 3800, ARTICLES_MAX = 200;

  function matchLang(tag) {
    if (!tag) return null;
    var lower = String(tag).replace(/_/g, "-").toLowerCase();
    var base = lower.split("-")[0];
    if (base === "zh") return /^zh(-hans)?(-cn|-sg)?$/.test(lower) || /^zh-hans/.test(lower) ? "zh-Hans" : null;
    if (base === "no" || base === "nn") base = "nb";
    if (base === "iw") base = "he";
    return base === "en" || BUILD.strings[base] ? base : null;
  }

  function chooseLang() {
    var wanted = [document.documentElement.getAttribute("lang")].concat(navigator.languages || []);
    for (var i = 0; i < wanted.length; i++) {
      var found = matchLang(wanted[i]);
      if (found) return found;
    }
    return "en";
  }

  function fill(text, vars) {
    return text.replace(/%\((\w+)\)s/g, function (m, k) { return k in vars ? vars[k] : m; });
  }

  function start() {
    var nodes = Array.prototype.slice.call(document.querySelectorAll("[data-commentsvc-count]"));
    if (!nodes.length) return;
    var lang = chooseLang();
    var messages = lang === "en" ? Promise.resolve({}) :
      fetch(new URL("i18n/" + lang + "." + BUILD.strings[lang] + ".json", SRC).href, { credentials: "omit" })
        .then(function (r) { return r.ok ? r.json() : {}; }).catch(function () { return {}; });
    var bySite = {};
    nodes.forEach(function (node) {
      var site = node.getAttribute("data-site");
      var article = node.getAttribute("data-article");
      if (!site || !article) return;
      (bySite[site] = bySite[site] || {})[article] = true;
    });
    Object.keys(bySite).forEach(function (site) {
      var base = new URL("api/v1/sites/" + encodeURIComponent(site) + "/counts?", SRC).href;
      var url = base, n = 0;
      Object.keys(bySite[site]).forEach(function (article) {
        var part = (n ? "&" : "") + "article=" + encodeURIComponent(article);
        if (n && (n === ARTICLES_MAX || url.length + part.length > URL_MAX)) {
          ask(site, url);
          url = base; n = 0; part = part.slice(1);
        }
        url += part; n += 1;
      });
      if (n) ask(site, url);
    });

    function ask(site, url) {
      var counts = fetch(url, { credentials: "omit" }).then(function (r) { return r.ok ? r.json() : null; });
      Promise.all([messages, counts]).then(function (got) { show(site, lang, got[0], got[1]); },
                                           function () { /* leave the links as they were */ });
    }

    function show(site, lang, messages, data) {
      if (!data || !data.counts) return;
      var rules = new Intl.PluralRules(lang);
      var number = new Intl.NumberFormat(lang);
      nodes.forEach(function (node) {
        var n = data.counts[node.getAttribute("data-article")];
        if (node.getAttribute("data-site") !== site || typeof n !== "number") return;
        var text;
        if (n === 0) {
          text = messages["Leave a Comment"] || t("Leave a Comment");
        } else {
          var forms = messages["%(num)s Comment"];
          var category = rules.select(n);
          text = forms && (forms[category] || forms.other) ||
            (n === 1 ? nt("%(num)s Comment", "%(num)s Comments", 1) : "%(num)s Comments");
          text = fill(text, { num: number.format(n) });
        }
        node.textContent = text;
        node.setAttribute("lang", lang);
      });
    }
  }

  // Markers for the catalogue extractor: the texts above, in English.
  function t(msgid) { return msgid; }
  function nt(one, other, n) { return n === 1 ? one : other; }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
