// Map helpers for the Frontline Freeze Explorer (Leaflet 1.9 only, no plugins, nothing from the network).
// Embedded once in each base map by gis/maps.MapTools; the zone layers sent on a slider move call FFE.zone.
//
// - Town dots are Leaflet circle markers on ONE canvas (hundreds of SVG elements cost the browser far more),
//   in a pane that lets the mouse through to the zone polygons below; a single shared tooltip follows the
//   mouse to the nearest dot (FFE.hover) instead of one tooltip object per dot.
// - Place names are L.divIcon labels in their own pane: at each zoom/pan the candidates whose minimum zoom
//   is reached are placed greedily, most important first, beside their dot (right, left, above, below),
//   skipping any that would overlap a label, a dot or a map control already placed: never a wall of text.
//   Font sizes grow with the zoom.
(function () {
  if (window.FFE) { return; }
  var FFE = window.FFE = {hoverSets: [], obstacles: []};
  var measure = document.createElement('canvas').getContext('2d');
  var FONT = '"Helvetica Neue", Arial, "Liberation Sans", sans-serif';

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  FFE.esc = esc;
  FFE.people = function (n) {  // 305239 -> '305,239 people (2022)' (toLocaleString is ~50x slower)
    if (n === null || n === undefined) { return 'population unknown'; }
    return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',') + ' people (2022)';
  };

  // Panes, the shared canvas, the hover tooltip and the place list (places: columns name, lat, lon, pop,
  // obl, r, tier, most important first; tiers: [people, dot from zoom, name from zoom]; oblasts: names).
  // fillCss: a CSS rule for the page sizing frames of class ffe-fill (the map fills the page), or null.
  FFE.init = function (map, places, fillCss) {
    FFE.places = places;
    if (fillCss) { FFE.fillFrame(map, fillCss); }
    var dots = map.createPane('ffeDots');
    dots.style.zIndex = 450;            // above the zone polygons (overlayPane 400)
    dots.style.pointerEvents = 'none';  // ...without hiding them from the mouse
    var labels = map.createPane('ffeLabels');
    labels.style.zIndex = 640;            // above the markers (600), below tooltips (650)
    labels.style.pointerEvents = 'none';
    FFE.canvas = L.canvas({pane: 'ffeDots', padding: 0.2});
    FFE.tip = L.tooltip({direction: 'top', offset: [0, -5], className: 'ffe-tip'});
    var last = null, queued = false;
    map.on('mousemove', function (e) {
      var target = e.originalEvent && e.originalEvent.target;
      if (target && target.closest && target.closest('.leaflet-marker-icon')) {  // on a symbol with its own tooltip
        map.closeTooltip(FFE.tip);
        L.DomUtil.removeClass(map.getContainer(), 'ffe-dot-hover');
        return;
      }
      last = e.layerPoint;
      if (queued) { return; }
      queued = true;
      L.Util.requestAnimFrame(function () { queued = false; FFE.hover(map, last); });
    });
    map.on('mouseout zoomstart', function () { map.closeTooltip(FFE.tip); });
  };

  // Size this map's frame by the page's rule (added to the page once; it stays across reruns, so the
  // frame is never resized by a slider move), then let Leaflet measure the map before it opens on the front.
  FFE.fillFrame = function (map, css) {
    var frame = null;
    try { frame = window.frameElement; } catch (e) { return; }  // not a same-origin frame: fixed height
    if (!frame) { return; }
    var doc = frame.ownerDocument;
    if (!doc.getElementById('ffe-fill-css')) {
      var style = doc.createElement('style');
      style.id = 'ffe-fill-css';
      style.textContent = css;
      doc.head.appendChild(style);
    }
    frame.classList.add('ffe-fill');
    map.invalidateSize({animate: false, pan: false});
  };

  // The nearest dot under the mouse (layer point ``pt``), zone dots winning ties over the base map's.
  FFE.hover = function (map, pt) {
    var best = null, bestD = Infinity;
    FFE.hoverSets.forEach(function (g) {
      if (!map.hasLayer(g)) { return; }
      g.eachLayer(function (m) {
        if (!m._map || !m._point) { return; }
        var d = m._point.distanceTo(pt);
        if (d <= m._radius + 3 && d <= bestD) { best = m; bestD = d; }
      });
    });
    var container = map.getContainer();
    if (best) {
      FFE.tip.setLatLng(best.getLatLng()).setContent(typeof best.ffeTip === 'function' ? best.ffeTip() : best.ffeTip);
      if (!map.hasLayer(FFE.tip)) { map.openTooltip(FFE.tip); }
      L.DomUtil.addClass(container, 'ffe-dot-hover');  // the town's tooltip, not also the zone's under it
    } else if (map.hasLayer(FFE.tip)) {
      map.closeTooltip(FFE.tip);
      L.DomUtil.removeClass(container, 'ffe-dot-hover');
    }
  };

  function hoverable(group) {
    group.on('add', function () { FFE.hoverSets.push(group); });
    group.on('remove', function () { FFE.hoverSets = FFE.hoverSets.filter(function (g) { return g !== group; }); });
    return group;
  }

  // Dots: p = {lat, lon, r (px), dz (minimum zoom)} arrays and tip: HTML texts, or a function of the index
  // (made on hover only); style = circle marker options.
  // Returns a layer group holding one sub-group per minimum zoom, shown from that zoom on.
  FFE.dots = function (map, p, style) {
    var tiers = {}, all = L.layerGroup();
    for (var i = 0; i < p.lat.length; i++) {
      var dz = p.dz ? p.dz[i] : 0;
      if (!tiers[dz]) { tiers[dz] = hoverable(L.layerGroup()); }
      var m = L.circleMarker([p.lat[i], p.lon[i]], L.extend({renderer: FFE.canvas, interactive: false, radius: p.r[i]}, style));
      m.ffeTip = typeof p.tip === 'function' ? p.tip.bind(null, i) : p.tip[i];
      tiers[dz].addLayer(m);
    }
    function update() {
      var z = map.getZoom();
      Object.keys(tiers).forEach(function (dz) {
        if (z >= +dz) { all.addLayer(tiers[dz]); } else { all.removeLayer(tiers[dz]); }
      });
    }
    all.on('add', function () { update(); map.on('zoomend', update); });
    all.on('remove', function () { map.off('zoomend', update); });
    return all;
  };

  // The base map's towns (FFE.places) as dots, tooltip: name, people (2022), oblast.
  FFE.towns = function (map) {
    var p = FFE.places;
    var tip = function (i) {
      return '<b>' + esc(p.name[i]) + '</b><br>' + FFE.people(p.pop[i]) + '<br>' + esc(p.oblasts[p.obl[i]] || '');
    };
    var dz = p.tier.map(function (t) { return p.tiers[t][1]; });
    return FFE.dots(map, {lat: p.lat, lon: p.lon, r: p.r, tip: tip, dz: dz},
                    {color: '#ffffff', weight: 0.8, fillColor: '#333333', fillOpacity: 0.9});
  };

  function fontPx(item, z) {
    if (item.cls === 'oblast') { return 11; }
    if (item.cls === 'city') { return Math.max(11, Math.min(18, 13 + 1.2 * (z - 7))); }
    return Math.max(10.5, Math.min(15, 11.5 + (z - 9)));
  }

  function overlaps(b, boxes) {
    for (var i = 0; i < boxes.length; i++) {
      var o = boxes[i];
      if (b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1]) { return true; }
    }
    return false;
  }

  // Place names: the towns of FFE.places from their tier's zoom on ('city' style for tier 0), and the oblast
  // names obl = {name, lat, lon, zooms: [from, to]}, ranked after the main cities and before the other towns.
  FFE.labels = function (map, obl) {
    var group = L.layerGroup(), items = [], p = FFE.places;
    function town(i) {
      return {name: p.name[i], ll: L.latLng(p.lat[i], p.lon[i]), lz: p.tiers[p.tier[i]][2], xz: 99, r: p.r[i],
              cls: p.tier[i] === 0 ? 'city' : 'town', text: p.name[i], marker: null};
    }
    var i = 0;
    for (; i < p.name.length && p.tier[i] === 0; i++) { items.push(town(i)); }
    obl.name.forEach(function (n, k) {
      items.push({name: n, ll: L.latLng(obl.lat[k], obl.lon[k]), lz: obl.zooms[0], xz: obl.zooms[1], r: 0,
                  cls: 'oblast', text: n.toUpperCase(), marker: null});
    });
    for (; i < p.name.length; i++) { items.push(town(i)); }
    function controlBoxes() {  // the map's controls (zoom, legend, layers, scale): labels keep off them
      var origin = map.getContainer().getBoundingClientRect(), boxes = [];
      var els = map.getContainer().querySelectorAll('.leaflet-control');
      for (var i = 0; i < els.length; i++) {
        var r = els[i].getBoundingClientRect();
        if (r.width && r.height) {
          boxes.push([r.left - origin.left - 2, r.top - origin.top - 2, r.right - origin.left + 2, r.bottom - origin.top + 2]);
        }
      }
      return boxes;
    }
    function layout() {
      if (!map.hasLayer(group)) { return; }
      var z = map.getZoom(), view = map.getBounds().pad(0.05), size = map.getSize(), placed = controlBoxes(), shown = [];
      var candidates = items.filter(function (it) { return z >= it.lz && z <= it.xz && view.contains(it.ll); });
      FFE.obstacles.forEach(function (g) {  // symbols (airports) that labels must not cover
        if (!map.hasLayer(g)) { return; }
        g.eachLayer(function (m) {
          if (!view.contains(m.getLatLng())) { return; }
          var c = map.latLngToContainerPoint(m.getLatLng());
          placed.push([c.x - 8, c.y - 8, c.x + 8, c.y + 8]);
        });
      });
      candidates.forEach(function (it) {  // each place's dot is an obstacle for the labels ranked below it
        var fs = fontPx(it, z), h = fs + 2, c = map.latLngToContainerPoint(it.ll), gap = it.r + 3;
        if (it.r) { placed.push([c.x - it.r, c.y - it.r, c.x + it.r, c.y + it.r]); }
        measure.font = (it.cls === 'oblast' ? '600 ' : it.cls === 'city' ? '700 ' : '400 ') + fs + 'px ' + FONT;
        var w = measure.measureText(it.text).width + (it.cls === 'oblast' ? 1.5 * it.text.length : 0) + 4;
        var d = 0.75 * gap + 1;  // right, left, above, below, then the four diagonals (clear of its own dot)
        var offsets = it.cls === 'oblast' ? [[-w / 2, -h / 2], [-w / 2, -h * 1.6], [-w / 2, h * 0.6]]
          : [[gap, -h / 2], [-gap - w, -h / 2], [-w / 2, -gap - h], [-w / 2, gap],
             [d, -d - h], [d, d], [-d - w, -d - h], [-d - w, d]];
        for (var k = 0; k < offsets.length; k++) {
          var b = [c.x + offsets[k][0], c.y + offsets[k][1], c.x + offsets[k][0] + w, c.y + offsets[k][1] + h];
          if (b[0] >= 0 && b[1] >= 0 && b[2] <= size.x && b[3] <= size.y && !overlaps(b, placed)) {
            placed.push(b);
            shown.push([it, offsets[k], fs]);
            return;
          }
        }
      });
      var keep = new Set();
      shown.forEach(function (s) {
        var it = s[0];
        keep.add(it);
        if (!it.marker) {
          it.marker = L.marker(it.ll, {pane: 'ffeLabels', interactive: false, keyboard: false,
            icon: L.divIcon({className: 'ffe-label ffe-' + it.cls, iconSize: [0, 0], html: '<span>' + esc(it.text) + '</span>'})});
        }
        if (!group.hasLayer(it.marker)) { group.addLayer(it.marker); }
        var span = it.marker.getElement().firstChild;
        span.style.fontSize = s[2] + 'px';
        span.style.transform = 'translate(' + Math.round(s[1][0] + 2) + 'px,' + Math.round(s[1][1]) + 'px)';
      });
      items.forEach(function (it) {
        if (it.marker && !keep.has(it) && group.hasLayer(it.marker)) { group.removeLayer(it.marker); }
      });
    }
    var queued = false;
    function schedule() {  // one layout per animation frame, however many events asked for it
      if (queued) { return; }
      queued = true;
      L.Util.requestAnimFrame(function () { queued = false; layout(); });
    }
    var events = 'zoomend moveend resize ffe:relayout';
    group.on('add', function () {
      map.on(events, schedule);
      schedule();
      setTimeout(schedule, 50);  // again once the layer control (added after the base map's script) is there
    });
    group.on('remove', function () { map.off(events, schedule); });
    group.relayout = layout;
    return group;
  };

  // Airports and air bases: p = {name, lat, lon, tip} arrays; a plane symbol with a tooltip.
  FFE.airports = function (map, p) {
    var group = L.layerGroup();
    FFE.obstacles.push(group);
    for (var i = 0; i < p.name.length; i++) {
      L.marker([p.lat[i], p.lon[i]], {keyboard: false, title: '',
        icon: L.divIcon({className: 'ffe-airport', iconSize: [16, 16], iconAnchor: [8, 8], html: '&#9992;'})})
        .bindTooltip(p.tip[i], {direction: 'top', offset: [0, -8]}).addTo(group);
    }
    return group;
  };

  // A zone layer: z = {parts: [{g: GeoJSON geometry, c: colour, t: tooltip}], towns: dots or null}.
  FFE.zone = function (map, fg, z) {
    z.parts.forEach(function (part) {
      L.geoJson(part.g, {style: {color: part.c, weight: 1, fillColor: part.c, fillOpacity: 0.45}})
        .bindTooltip(part.t, {sticky: true}).addTo(fg);
    });
    if (z.towns) {
      FFE.dots(map, z.towns, {color: '#000000', weight: 0.9, fillColor: '#ffffff', fillOpacity: 1}).addTo(fg);
    }
  };
})();
