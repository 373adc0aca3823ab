// The flow map (d3-geo over static shapes): US states, Mexican states, Chinese provinces and Hong
// Kong, with arcs from place to place drawn by volume. No tiles, nothing fetched from elsewhere.
(function () {
  var svg = document.getElementById("map");
  if (!svg) return;
  var form = document.getElementById("map-controls");
  var NS = "http://www.w3.org/2000/svg";
  var shapes = null, projection = null, path = null;
  // Where a country without a state is drawn (cash, banks abroad).
  var COUNTRY_AT = {US: [-98, 39], MX: [-102, 23.5], CN: [112, 32], HK: [114.2, 22.3], CA: [-100, 52], IN: [79, 22]};
  function el(name, attrs) { var e = document.createElementNS(NS, name); for (var k in attrs) e.setAttribute(k, attrs[k]); return e; }
  function centroidOf(country, state) {
    if (shapes) for (var i = 0; i < shapes.features.length; i++) {
      var f = shapes.features[i];
      if (f.properties.country === country && f.properties.state === state && state) return d3.geoCentroid(f);
    }
    return COUNTRY_AT[country] || null;
  }
  function draw(data) {
    while (svg.lastChild) svg.removeChild(svg.lastChild);
    var hot = {};
    data.money.concat(data.goods).forEach(function (r) { hot[r.from_country + ":" + r.from_state] = 1; hot[r.to_country + ":" + r.to_state] = 1; });
    var g = el("g", {});
    shapes.features.forEach(function (f) {
      var p = el("path", {d: path(f), "class": "shape" + (hot[f.properties.country + ":" + f.properties.state] ? " hot" : "")});
      var t = el("title", {}); t.textContent = f.properties.name + " (" + f.properties.country + ")"; p.appendChild(t);
      g.appendChild(p);
    });
    svg.appendChild(g);
    var all = data.money.map(function (r) { r.kind = "money"; return r; }).concat(data.goods.map(function (r) { r.kind = "goods"; return r; }));
    var max = Math.max.apply(null, all.map(function (r) { return r.usd || 0; }).concat([1]));
    var table = document.getElementById("flow-table");
    table.textContent = "";
    var head = table.insertRow(); ["kind", "from", "to", "count", "USD"].forEach(function (h) { var c = document.createElement("th"); c.textContent = h; head.appendChild(c); });
    var drawn = 0;
    all.forEach(function (r) {
      var a = centroidOf(r.from_country, r.from_state), b = centroidOf(r.to_country, r.to_state);
      var row = table.insertRow();
      [r.kind, r.from_country + " " + (r.from_state || ""), r.to_country + " " + (r.to_state || ""), r.n, Math.round(r.usd || 0).toLocaleString()].forEach(function (v) { row.insertCell().textContent = v; });
      if (!a || !b) return;
      var pa = projection(a), pb = projection(b);
      if (!pa || !pb) return;
      var mx = (pa[0] + pb[0]) / 2, my = (pa[1] + pb[1]) / 2 - Math.abs(pb[0] - pa[0]) * 0.15 - 10;
      var w = 0.8 + 7 * Math.sqrt((r.usd || 0) / max);
      var p = el("path", {d: "M" + pa[0] + "," + pa[1] + " Q" + mx + "," + my + " " + pb[0] + "," + pb[1], "class": "flow " + r.kind, "stroke-width": w.toFixed(2)});
      var t = el("title", {}); t.textContent = r.kind + ": " + Math.round(r.usd || 0).toLocaleString() + " USD"; p.appendChild(t);
      svg.appendChild(p);
      drawn++;
    });
    svg.dataset.flows = String(drawn);
    document.body.dataset.mapReady = "1";
  }
  function load() {
    var p = new URLSearchParams();
    ["case", "from", "to", "min_usd"].forEach(function (k) { var v = form.elements[k].value; if (v) p.set(k, v); });
    fetch("/api/flows?" + p, {headers: {"Accept": "application/json"}}).then(function (r) { return r.json(); }).then(draw);
  }
  fetch("/static/shapes.geojson").then(function (r) { return r.json(); }).then(function (fc) {
    shapes = fc;
    // One equirectangular frame from Hawaii to Shanghai: the Pacific in the middle.
    projection = d3.geoEquirectangular().rotate([110, 0]).fitExtent([[10, 10], [990, 510]], {type: "MultiPoint", coordinates: [[-160, 15], [125, 55], [-65, 50], [100, 15]]});
    path = d3.geoPath(projection);
    load();
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); load(); });
})();
