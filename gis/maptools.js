// Map helpers for the Frontline Freeze Explorer (Leaflet 1.9 only, no plugins, nothing from the network).
// Embedded once in each base map by gis/maps.MapTools; the zone layers sent on a slider move call FFE.zone.
//
// What keeps the browser's work small (a slider move redraws only the zone; see benchmarks/browser_profile.py):
// - Town dots are Leaflet circle markers on ONE canvas (hundreds of SVG elements cost far more), in a pane
//   the mouse passes through to the zone polygons below; one shared tooltip follows the mouse to the nearest
//   dot or symbol (FFE.hover) instead of one tooltip object per dot.
// - Place names and airport symbols are plain elements in one container each, placed with left/top: no
//   per-element 3D transform (Leaflet markers), so no composited layer per label for the browser to
//   re-layerize each time anything on the map changes. They hide during a zoom animation and are placed
//   again at its end.
// - Names are placed greedily at each zoom/pan, most important first, beside their dot (right, left,
//   above, below, diagonals), skipping any that would overlap a name, a dot ranked higher, a symbol or a
//   map control: never a wall of text. Font sizes grow with the zoom.
(function () {
  if (window.FFE) { return; }
  var FFE = window.FFE = {hoverSources: [], obstacles: []};
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
    [['ffeDots', 450], ['ffeSymbols', 600], ['ffeLabels', 640]].forEach(function (p) {
      var pane = map.createPane(p[0]);
      pane.style.zIndex = p[1];          // dots above the zone polygons (overlay pane 400), names on top
      pane.style.pointerEvents = 'none'; // the mouse passes through to the polygons; FFE.hover finds the dots
    });
    // The frontline and the nuclear plants above the zone fills (overlay pane 400) and the town dots, so the
    // line keeps its colour and a plant its purple under a 45 %-opaque zone.
    map.createPane('ffeLines').style.zIndex = 455;
    map.createPane('ffePlants').style.zIndex = 460;
    var meta = document.querySelector('meta[name=viewport]');  // folium's page forbids pinch zoom: allow it
    if (meta) { meta.setAttribute('content', 'width=device-width, initial-scale=1.0'); }
    FFE.gestures(map);
    FFE.canvas = L.canvas({pane: 'ffeDots', padding: 0.2});
    FFE.tip = L.tooltip({direction: 'top', offset: [0, -6], className: 'ffe-tip'});
    var last = null, queued = false;
    map.on('mousemove', function (e) {
      last = e.layerPoint;
      if (queued) { return; }
      queued = true;
      L.Util.requestAnimFrame(function () { queued = false; FFE.hover(map, last); });
    });
    map.on('mouseout zoomstart', function () { FFE.hover(map, null); });
  };

  // The map lets the page scroll. The wheel zooms the map only while it has the focus (after a click, or Tab)
  // or with Ctrl/⌘ held; otherwise the wheel scrolls the page and a hint says how to zoom. On a touch screen a
  // one-finger swipe scrolls the page (touch-action in gis/maps.MAPTOOLS_CSS) and two fingers move the map.
  FFE.gestures = function (map) {
    var c = map.getContainer(), focused = false, timer = null;
    var hint = L.DomUtil.create('div', 'ffe-hint', c);
    hint.setAttribute('aria-hidden', 'true');
    var mac = /Mac|iPhone|iPad/.test(navigator.platform || '');
    function show(text) {
      hint.textContent = text;
      hint.style.opacity = 1;
      clearTimeout(timer);
      timer = setTimeout(function () { hint.style.opacity = 0; }, 1500);
    }
    map.scrollWheelZoom.disable();
    c.addEventListener('focus', function () { focused = true; });
    c.addEventListener('mousedown', function () { focused = true; });
    c.addEventListener('blur', function () { focused = false; });
    c.addEventListener('wheel', function (e) {  // before Leaflet's own wheel handler (capture)
      var allowed = focused || e.ctrlKey || e.metaKey;
      if (allowed && !map.scrollWheelZoom.enabled()) { map.scrollWheelZoom.enable(); }
      if (!allowed) {
        if (map.scrollWheelZoom.enabled()) { map.scrollWheelZoom.disable(); }
        show((mac ? '⌘' : 'Ctrl') + ' + scroll zooms the map (or click the map first)');
      }
    }, {capture: true, passive: true});
    if (map.dragging && L.Browser.touch) {
      // One finger: Leaflet's drag is switched off before it sees the touch (it would cancel the browser's
      // scroll), so the page scrolls; two fingers: Leaflet's touch zoom moves and zooms the map.
      var fingers = 0;
      c.addEventListener('pointerdown', function (e) {
        if (e.pointerType !== 'touch') { return; }
        fingers += 1;
        if (fingers === 1 && map.dragging.enabled()) { map.dragging.disable(); }
      }, true);
      var lift = function (e) {
        if (e.pointerType !== 'touch') { return; }
        fingers = Math.max(0, fingers - 1);
        if (fingers === 0 && !map.dragging.enabled()) { map.dragging.enable(); }
      };
      window.addEventListener('pointerup', lift, true);
      window.addEventListener('pointercancel', lift, true);
      c.addEventListener('touchstart', function (e) {
        if (e.touches.length === 1) { show('Use two fingers to move the map'); }
      }, {passive: true});
    }
  };

  // The opening view (``bounds``, kept clear of the legend) and a 'Reset view' button that returns to it.
  // ``viewKey``: the map keeps the reader's view under this name while the page lives (History: between
  // dates, though each date's map is a new one).
  FFE.home = function (map, bounds, viewKey) {
    var views = FFE.views(), legend = map.getContainer().querySelector('.ffe-legend');
    function fit() {
      if (map._animatingZoom) { map.once('zoomend', fit); return; }  // a zoom still animating would undo it
      var pad = legend ? legend.getBoundingClientRect().width + 12 : 0;
      if (pad > 0.4 * map.getSize().x) { pad = 0; }  // a narrow map: the legend is folded, the zone comes first
      map.fitBounds(bounds, {paddingTopRight: [pad, 0], paddingBottomLeft: [0, 0], animate: false});
    }
    if (viewKey && views[viewKey]) {
      map.setView(views[viewKey].center, views[viewKey].zoom, {animate: false});
    } else {
      fit();
    }
    if (viewKey) {
      map.on('moveend', function () { views[viewKey] = {center: map.getCenter(), zoom: map.getZoom()}; });
    }
    var Home = L.Control.extend({
      options: {position: 'topleft'},
      onAdd: function () {
        var bar = L.DomUtil.create('div', 'leaflet-bar ffe-home');
        var a = L.DomUtil.create('a', '', bar);
        a.href = '#';
        a.title = 'Reset view';
        a.setAttribute('role', 'button');
        a.setAttribute('aria-label', 'Reset view');
        a.innerHTML = '&#8962;';
        L.DomEvent.disableClickPropagation(bar);
        L.DomEvent.on(a, 'click', function (e) { L.DomEvent.preventDefault(e); fit(); });
        return bar;
      }
    });
    FFE.homeControl = new Home().addTo(map);
  };

  // Views kept per name in the page that holds the map frames (they outlive a frame), else in this frame.
  FFE.views = function () {
    var host = window;
    try { if (window.parent && window.parent.document) { host = window.parent; } } catch (e) { host = window; }
    host.ffeViews = host.ffeViews || {};
    return host.ffeViews;
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

  // The tooltip of the nearest dot or symbol within reach of the mouse (layer point ``pt``; null: none).
  // Each source returns {d: distance, ll, tip} or null; later sources (a zone's dots) win ties.
  FFE.hover = function (map, pt) {
    var best = null;
    if (pt) {
      FFE.hoverSources.forEach(function (source) {
        var hit = source(pt);
        if (hit && (!best || hit.d <= best.d)) { best = hit; }
      });
    }
    var container = map.getContainer();
    if (best) {
      FFE.tip.setLatLng(best.ll).setContent(typeof best.tip === 'function' ? best.tip() : best.tip);
      if (!map.hasLayer(FFE.tip)) { map.openTooltip(FFE.tip); }
      L.DomUtil.addClass(container, 'ffe-dot-hover');  // the town's tooltip, not also the zone's under it
    } else if (map.hasLayer(FFE.tip)) {
      map.closeTooltip(FFE.tip);
      L.DomUtil.removeClass(container, 'ffe-dot-hover');
    }
  };

  // Register ``source`` for hovering while ``layer`` is on the map.
  function hoverable(layer, source) {
    layer.on('add', function () { FFE.hoverSources.push(source); });
    layer.on('remove', function () { FFE.hoverSources = FFE.hoverSources.filter(function (s) { return s !== source; }); });
    return layer;
  }

  // Dots: p = {lat, lon, r (px), dz (minimum zoom)} arrays and tip: HTML texts, or a function of the index
  // (made on hover only); style = circle marker options. Returns a layer group holding one sub-group per
  // minimum zoom, shown from that zoom on.
  FFE.dots = function (map, p, style) {
    var tiers = {}, all = L.layerGroup();
    for (var i = 0; i < p.lat.length; i++) {
      var dz = p.dz ? p.dz[i] : 0;
      if (!tiers[dz]) { tiers[dz] = L.layerGroup(); }
      var m = L.circleMarker([p.lat[i], p.lon[i]], L.extend({renderer: FFE.canvas, interactive: false, radius: p.r[i]}, style));
      m.ffeTip = typeof p.tip === 'function' ? p.tip.bind(null, i) : p.tip[i];
      tiers[dz].addLayer(m);
    }
    function nearest(pt) {
      var best = null;
      Object.keys(tiers).forEach(function (dz) {
        if (!all.hasLayer(tiers[dz])) { return; }
        tiers[dz].eachLayer(function (m) {
          if (!m._map || !m._point) { return; }
          var d = m._point.distanceTo(pt);
          if (d <= m._radius + 3 && (!best || d <= best.d)) { best = {d: d, ll: m.getLatLng(), tip: m.ffeTip}; }
        });
      });
      return best;
    }
    function update() {
      var z = map.getZoom();
      Object.keys(tiers).forEach(function (dz) {
        if (z >= +dz) { all.addLayer(tiers[dz]); } else { all.removeLayer(tiers[dz]); }
      });
    }
    all.on('add', function () { update(); map.on('zoomend', update); });
    all.on('remove', function () { map.off('zoomend', update); });
    return hoverable(all, nearest);
  };

  // The base map's towns (FFE.places) as dots, tooltip: name (with what its figure is: "Kherson urban hromada"),
  // people (2022), oblast.
  FFE.towns = function (map) {
    var p = FFE.places;
    var tip = function (i) {
      var name = (p.figure && p.figure[i]) || p.name[i];
      return '<b>' + esc(name) + '</b><br>' + FFE.people(p.pop[i]) + '<br>' + esc(p.oblasts[p.obl[i]] || '');
    };
    var dz = p.tier.map(function (t) { return p.tiers[t][1]; });
    return FFE.dots(map, {lat: p.lat, lon: p.lon, r: p.r, tip: tip, dz: dz},
                    {color: '#ffffff', weight: 0.8, fillColor: '#333333', fillOpacity: 0.9});
  };

  // A layer of plain elements in one container of ``pane``, placed with left/top in layer coordinates by
  // ``place(layerDiv)`` at each zoom/pan/resize (one per animation frame), hidden during zoom animations.
  var ElementLayer = L.Layer.extend({
    initialize: function (pane, className, place) {
      this._paneName = pane;
      this._className = className;
      this._place = place;
      this._queued = false;
    },
    onAdd: function (map) {
      this._div = L.DomUtil.create('div', 'leaflet-zoom-hide ' + this._className, map.getPane(this._paneName));
      map.on('zoomend moveend resize viewreset ffe:relayout', this.schedule, this);
      this.schedule();
      setTimeout(L.bind(this.schedule, this), 50);  // again once the layer control (added after the base map's script) is there
    },
    onRemove: function (map) {
      map.off('zoomend moveend resize viewreset ffe:relayout', this.schedule, this);
      L.DomUtil.remove(this._div);
    },
    schedule: function () {
      if (this._queued) { return; }
      this._queued = true;
      L.Util.requestAnimFrame(function () {
        this._queued = false;
        if (this._map) { this._place(this._div); }
      }, this);
    }
  });

  function fontPx(item, z) {
    if (item.cls === 'oblast') { return 11; }
    if (item.cls === 'plant') { return 12; }
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

  function controlBoxes(map) {  // the map's controls (zoom, legend, layers, scale): names keep off them
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

  // Place names: the towns of FFE.places from their tier's zoom on ('city' style for tier 0), and the oblast
  // names obl = {name, lat, lon, zooms: [from, to]}, ranked after the main cities and before the other towns.
  FFE.labels = function (map, obl, plants) {
    var items = [], p = FFE.places;
    (plants ? plants.name : []).forEach(function (n, k) {  // the nuclear plants first: never an unnamed dot
      items.push({name: n, ll: L.latLng(plants.lat[k], plants.lon[k]), lz: 0, xz: 99, r: 8, cls: 'plant', text: n,
                  el: null});
    });
    function town(i) {
      return {name: p.name[i], ll: L.latLng(p.lat[i], p.lon[i]), lz: p.tiers[p.tier[i]][2], xz: 99, r: p.r[i],
              cls: p.tier[i] === 0 ? 'city' : 'town', text: p.name[i], el: null};
    }
    var i = 0;
    for (; i < p.name.length && p.tier[i] === 0; i++) { items.push(town(i)); }
    obl.name.forEach(function (n, k) {
      items.push({name: n, ll: L.latLng(obl.lat[k], obl.lon[k]), lz: obl.zooms[0], xz: obl.zooms[1], r: 0,
                  cls: 'oblast', text: n.toUpperCase(), el: null});
    });
    for (; i < p.name.length; i++) { items.push(town(i)); }

    function place(div) {
      var z = map.getZoom(), view = map.getBounds().pad(0.05), size = map.getSize(), placed = controlBoxes(map);
      var shown = new Set();
      FFE.obstacles.forEach(function (source) { placed = placed.concat(source()); });  // symbols (airports)
      var candidates = items.filter(function (it) { return z >= it.lz && z <= it.xz && view.contains(it.ll); });
      candidates.forEach(function (it) {  // each place's dot is an obstacle for the names ranked below it
        var fs = fontPx(it, z), h = fs + 2, c = map.latLngToContainerPoint(it.ll), gap = it.r + 3;
        if (it.r) { placed.push([c.x - it.r, c.y - it.r, c.x + it.r, c.y + it.r]); }
        measure.font = (it.cls === 'oblast' ? '600 ' : it.cls === 'city' || it.cls === 'plant' ? '700 ' : '400 ') + fs +
          'px ' + FONT;
        var w = measure.measureText(it.text).width + (it.cls === 'oblast' ? 1.5 * it.text.length : 0) + 4;
        var d = 0.75 * gap + 1;  // right, left, above, below, then the four diagonals (clear of its own dot)
        var offsets = it.cls === 'oblast' ? [[-w / 2, -h / 2], [-w / 2, -h * 1.6], [-w / 2, h * 0.6]]
          : [[gap, -h / 2], [-gap - w, -h / 2], [-w / 2, -gap - h], [-w / 2, gap],
             [d, -d - h], [d, d], [-d - w, -d - h], [-d - w, d]];
        for (var k = 0; k < offsets.length; k++) {
          var b = [c.x + offsets[k][0], c.y + offsets[k][1], c.x + offsets[k][0] + w, c.y + offsets[k][1] + h];
          if (b[0] >= 0 && b[1] >= 0 && b[2] <= size.x && b[3] <= size.y && !overlaps(b, placed)) {
            placed.push(b);
            if (!it.el) {
              it.el = L.DomUtil.create('span', 'ffe-label ffe-' + it.cls, div);
              it.el.textContent = it.text;
            }
            var lp = map.latLngToLayerPoint(it.ll);
            it.el.style.cssText = 'font-size:' + fs + 'px;left:' + Math.round(lp.x + offsets[k][0] + 2) + 'px;top:' +
              Math.round(lp.y + offsets[k][1]) + 'px';
            shown.add(it);
            return;
          }
        }
      });
      items.forEach(function (it) {
        if (it.el && !shown.has(it)) { it.el.style.display = 'none'; }
      });
    }
    return new ElementLayer('ffeLabels', 'ffe-labels', place);
  };

  // Airports and air bases: p = {name, lat, lon, tip} arrays; a plane symbol, its tooltip on hover.
  FFE.airports = function (map, p) {
    var items = p.name.map(function (n, i) { return {ll: L.latLng(p.lat[i], p.lon[i]), tip: p.tip[i], el: null}; });
    function place(div) {
      items.forEach(function (it) {
        if (!it.el) {
          it.el = L.DomUtil.create('span', 'ffe-airport', div);
          it.el.innerHTML = '&#9992;';
        }
        var lp = map.latLngToLayerPoint(it.ll);
        it.el.style.left = Math.round(lp.x - 8) + 'px';
        it.el.style.top = Math.round(lp.y - 8) + 'px';
      });
    }
    var layer = new ElementLayer('ffeSymbols', 'ffe-airports', place);
    function nearest(pt) {
      var best = null;
      items.forEach(function (it) {
        var d = map.latLngToLayerPoint(it.ll).distanceTo(pt);
        if (d <= 9 && (!best || d <= best.d)) { best = {d: d, ll: it.ll, tip: it.tip}; }
      });
      return best;
    }
    function boxes() {  // where the symbols are (container pixels), for the names to keep off
      if (!map.hasLayer(layer)) { return []; }
      var view = map.getBounds();
      return items.filter(function (it) { return view.contains(it.ll); }).map(function (it) {
        var c = map.latLngToContainerPoint(it.ll);
        return [c.x - 8, c.y - 8, c.x + 8, c.y + 8];
      });
    }
    FFE.obstacles.push(boxes);
    return hoverable(layer, nearest);
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
