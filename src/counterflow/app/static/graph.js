// The counterparty graph (Cytoscape.js): draw from the roots, expand a node by one hop on click,
// filter by time and amount, highlight mirror-swap legs, save the picture to the case.
(function () {
  var form = document.getElementById("graph-controls");
  if (!form) return;
  var cy = cytoscape({
    container: document.getElementById("cy"),
    style: [
      {selector: "node", style: {"label": "data(label)", "font-size": 9, "background-color": "#6b7a8f", "width": 18, "height": 18, "text-wrap": "ellipsis", "text-max-width": 120}},
      {selector: "node[?cash]", style: {"background-color": "#15803d", "shape": "round-rectangle"}},
      {selector: "node[?root]", style: {"background-color": "#c2410c", "width": 26, "height": 26}},
      {selector: "edge", style: {"width": "data(w)", "line-color": "#9aa", "target-arrow-color": "#9aa", "target-arrow-shape": "triangle", "curve-style": "bezier", "label": "data(label)", "font-size": 7}},
      {selector: "edge.mirror", style: {"line-color": "#b91c1c", "target-arrow-color": "#b91c1c", "width": 4}},
      {selector: "edge.link", style: {"line-style": "dashed", "line-color": "#7c3aed", "target-arrow-shape": "none", "width": 2}}
    ],
    layout: {name: "grid"}
  });
  window.cfGraph = cy;
  function params(accounts) {
    var p = new URLSearchParams();
    p.set("accounts", accounts);
    ["hops", "from", "to", "min_usd"].forEach(function (k) { var v = form.elements[k].value; if (v) p.set(k, v); });
    return p;
  }
  function add(data) {
    var els = [];
    data.nodes.forEach(function (n) { if (cy.getElementById(n.id).empty()) els.push({group: "nodes", data: n}); });
    data.edges.forEach(function (e) {
      if (cy.getElementById(e.id).empty()) {
        e.w = Math.max(1, Math.min(8, Math.log10((e.usd || 0) + 1)));
        e.label = Math.round(e.usd).toLocaleString() + " USD";
        els.push({group: "edges", data: e});
      }
    });
    cy.add(els);
    var list = document.getElementById("mirror-list");
    if (form.elements.mirror.checked && data.mirror) {
      var lines = [];
      data.mirror.forEach(function (p) {
        var legs = p.legs.map(function (l) {
          if (l.src_account && l.dst_account) {
            var id = "e" + l.src_account + "_" + l.dst_account;
            cy.getElementById(id).addClass("mirror");
          }
          return l.role + " " + Number(l.amount).toLocaleString() + " " + l.currency;
        });
        var a = p.legs[0], b = p.legs[p.legs.length - 1];
        if (a && a.related_account) {
          var lid = "l" + a.subject_account + "_" + a.related_account;
          if (cy.getElementById(lid).empty() && !cy.getElementById("a" + a.subject_account).empty() && !cy.getElementById("a" + a.related_account).empty()) {
            cy.add({group: "edges", data: {id: lid, source: "a" + a.subject_account, target: "a" + a.related_account, w: 2, label: p.link || "linked"}, classes: "link"});
          }
        }
        lines.push("pair " + p.pair_id + ": " + legs.join(" → ") + (p.link ? " (" + p.link + ")" : ""));
      });
      list.textContent = "";
      lines.forEach(function (t) { var d = document.createElement("div"); d.textContent = t; list.appendChild(d); });
    }
    cy.layout({name: "cose", animate: false, nodeRepulsion: 8000}).run();
    document.getElementById("graph-info").textContent = cy.nodes().length + " nodes, " + cy.edges().length + " links" + (data.truncated ? " (truncated)" : "");
  }
  function load(accounts, reset) {
    if (reset) cy.elements().remove();
    return fetch("/api/graph?" + params(accounts), {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); }).then(function (d) { if (d.error) throw new Error(d.error); add(d); document.body.dataset.graphReady = "1"; })
      .catch(function (e) { document.getElementById("graph-info").textContent = e.message; });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); load(form.elements.accounts.value, true); });
  cy.on("tap", "node", function (e) { if (e.target.data("cash")) return; var old = form.elements.hops.value; form.elements.hops.value = 1; load(String(e.target.data("account")), false); form.elements.hops.value = old; });
  cy.on("dbltap", "node", function (e) { var p = e.target.data("party_id"); if (p !== null && p !== undefined) window.location = "/entities/" + p; });
  var save = document.getElementById("graph-save");
  if (save) save.addEventListener("click", function () {
    var body = new URLSearchParams();
    body.set("csrf", document.body.dataset.csrf);
    body.set("png", cy.png({full: true, bg: "#ffffff", maxWidth: 1600}));
    fetch("/cases/" + form.dataset.case + "/graph-picture", {method: "POST", body: body, headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); }).then(function (d) {
        document.getElementById("graph-info").textContent = d.error ? d.error : "Saved to the case as attachment " + d.attachment + ".";
      });
  });
  if (form.elements.accounts.value) load(form.elements.accounts.value, true);
})();
