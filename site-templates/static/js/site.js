/*
 * Stellar Budget: draws the charts whose ECharts options the page carries in
 * data-option attributes (built by internal/charts). No inline script, no
 * framework, no HTML from data: names reach ECharts as option strings and its
 * tooltips are drawn on the canvas (renderMode "richText"), so a tag value
 * such as <img onerror=...> is shown as text. Nothing here uses innerHTML.
 *
 * Without ECharts (JavaScript off, or echarts.min.js failed to load) this
 * does nothing and the tables beside the charts carry the numbers. Once a
 * chart is drawn its element gets the class "chart-drawn", and the <html>
 * element "charts-on", for stylesheets that hide empty chart boxes.
 *
 * ECharts does not keep room for a legend: a legend that wraps to more rows
 * on a narrow screen or a printed page lies over the bars. So after every
 * draw and resize, fit() measures the legends and visual maps as ECharts
 * laid them out, makes the chart taller by what they need beyond one row,
 * and moves the plot (the grid, or a pie's centre and radius) clear of them.
 */
(function () {
  'use strict';

  var echarts = window.echarts;
  if (!echarts || typeof echarts.init !== 'function' || !document.querySelectorAll) {
    return;
  }

  // Number formats named by the option's "stellarFormat" key: the tooltip
  // shows cents; axes and scales a short form ($12K), so that the labels of
  // a value axis do not run together on a narrow chart.
  var usdCents = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
  var usdWhole = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
  var usdCompact = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 });
  var usdShort = {
    format: function (n) {
      return (Math.abs(n) < 1000 ? usdWhole : usdCompact).format(n);
    }
  };
  var percent = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

  function formatter(fmt, suffix) {
    return function (v) {
      if (Array.isArray(v)) {
        // A series whose tooltip lists its values by name (the forecast's
        // 80 % range: from, to) has none on its own line.
        if (!v.length) {
          return '';
        }
        v = v[v.length - 1];
      }
      if (v === null || v === undefined || v === '-' || v === '') {
        return '–';
      }
      var n = Number(v);
      return isFinite(n) ? fmt.format(n) + suffix : String(v);
    };
  }

  var formats = {
    usd: { value: formatter(usdCents, ''), axis: formatter(usdShort, '') },
    percent: { value: formatter(percent, ' %'), axis: formatter(percent, ' %') }
  };

  function each(x, fn) {
    if (Array.isArray(x)) {
      x.forEach(fn);
    } else if (x && typeof x === 'object') {
      fn(x);
    }
  }

  function objectAt(o, key) {
    if (!o[key] || typeof o[key] !== 'object') {
      o[key] = {};
    }
    return o[key];
  }

  // prepare adds what JSON cannot carry: the formatters, and the tooltip's
  // render mode, forced to richText whatever the option says.
  function prepare(option) {
    var f = formats[option.stellarFormat];
    each(option.tooltip, function (t) {
      t.renderMode = 'richText';
      if (f) {
        t.valueFormatter = f.value;
      }
    });
    if (!f) {
      return option;
    }
    ['xAxis', 'yAxis'].forEach(function (key) {
      each(option[key], function (axis) {
        if (axis.type === 'value') {
          objectAt(axis, 'axisLabel').formatter = f.axis;
        }
      });
    });
    each(option.visualMap, function (vm) {
      vm.formatter = f.axis;
    });
    each(option.series, function (s) {
      if (s.markLine) {
        objectAt(s.markLine, 'label').formatter = function (p) {
          return f.axis(p.value);
        };
      }
    });
    return option;
  }

  // Layout constants of fit(), in px.
  var gap = 8; // between a legend and the plot (or its axis labels)
  var oneRow = 32; // what the option's own height allows for a legend
  var labelShare = 0.3; // the most of a chart's width a category label takes

  // rectOf is where a component view or series view drew, in the chart's
  // pixels. ECharts has no public call for it: the view's group is a
  // zrender group whose bounding rect, moved by its transform, is it.
  function rectOf(view) {
    if (!view || !view.group || !view.group.getBoundingRect) {
      return null;
    }
    var group = view.group;
    var r = group.getBoundingRect().clone();
    if (group.getLocalTransform) {
      r.applyTransform(group.getLocalTransform());
    }
    return r.width > 0 && r.height > 0 ? r : null;
  }

  // keys are the components that sit beside the plot: legends and visual
  // maps (the heat maps' colour scale).
  var keys = ['legend', 'visualMap'];

  // reserved measures how far legends and visual maps reach into the chart
  // from its bottom and its top edge.
  function reserved(chart) {
    var model = chart.getModel();
    var height = chart.getHeight();
    var out = { bottom: 0, top: 0 };
    if (!model || typeof chart.getViewOfComponentModel !== 'function') {
      return out;
    }
    keys.forEach(function (key) {
      model.eachComponent(key, function (component) {
        if (component.get('show') === false) {
          return;
        }
        var r = rectOf(chart.getViewOfComponentModel(component));
        if (!r) {
          return;
        }
        if (r.y + r.height / 2 > height / 2) {
          out.bottom = Math.max(out.bottom, height - r.y);
        } else {
          out.top = Math.max(out.top, r.y + r.height);
        }
      });
    });
    return out;
  }

  // labelWidths remembers, per chart, the widths the option gives its
  // category axes' labels, the most fit() lets them take.
  var labelWidths = typeof WeakMap === 'function' ? new WeakMap() : null;

  function categoryLabelWidths(option) {
    var out = {};
    ['xAxis', 'yAxis'].forEach(function (key) {
      var axes = [];
      each(option[key], function (axis) {
        var label = axis.axisLabel || {};
        axes.push(axis.type === 'category' && label.width ? Number(label.width) : 0);
      });
      out[key] = axes;
    });
    return out;
  }

  // fit lays a drawn chart out for its current size; see the file comment.
  function fit(chart) {
    var el = chart.getDom();
    var option = chart.getOption();
    var width = chart.getWidth();
    var update = {};

    // Category labels (names of categories, owners) wrap at labelShare of
    // the width, so the bars keep the rest.
    var widths = labelWidths && labelWidths.get(chart);
    if (widths) {
      ['xAxis', 'yAxis'].forEach(function (key) {
        var changed = false;
        var axes = (option[key] || []).map(function (axis, i) {
          var most = widths[key][i];
          if (!most) {
            return {};
          }
          var w = Math.max(64, Math.min(most, Math.round(width * labelShare)));
          if (w !== (axis.axisLabel || {}).width) {
            changed = true;
          }
          return { axisLabel: { width: w } };
        });
        if (changed) {
          update[key] = axes;
        }
      });
      if (update.xAxis || update.yAxis) {
        chart.setOption(update);
        update = {};
      }
    }

    // Make room for the legend rows beyond the first.
    var room = reserved(chart);
    var base = Number(el.getAttribute('data-base-height')) || el.clientHeight;
    var wanted = Math.round(base + Math.max(0, room.bottom + room.top - oneRow));
    if (Math.abs(el.clientHeight - wanted) > 1) {
      el.style.height = wanted + 'px';
      chart.resize({ height: 'auto' });
      room = reserved(chart);
    }
    var height = chart.getHeight();

    if (option.grid && option.grid.length) {
      update.grid = option.grid.map(function (grid) {
        var g = {};
        if (room.bottom) {
          g.bottom = Math.ceil(room.bottom + gap);
        }
        if (room.top) {
          g.top = Math.ceil(room.top + gap);
        }
        return g;
      });
    }
    var pies = (option.series || []).filter(function (s) {
      return s.type === 'pie';
    });
    if (pies.length) {
      var top = room.top ? room.top + gap : 0;
      var free = height - top - (room.bottom ? room.bottom + gap : 0);
      // Outside labels ("22.2 %" on a short label line) need about 64 px
      // beside the pie and 28 px above and below it.
      var radius = Math.max(24, Math.min(width / 2 - 64, free / 2 - 28));
      update.series = (option.series || []).map(function (s) {
        return s.type === 'pie' ? { center: [width / 2, top + free / 2], radius: radius } : {};
      });
    }
    if (update.grid || update.series) {
      chart.setOption(update);
    }
  }

  var drawn = [];

  function draw(el) {
    if (el.classList.contains('chart-drawn')) {
      return;
    }
    var option;
    try {
      option = prepare(JSON.parse(el.getAttribute('data-option')));
    } catch (e) {
      return; // a broken option leaves the table alone on the page
    }
    if (!el.clientHeight) {
      el.style.height = (parseInt(el.getAttribute('data-height'), 10) || 320) + 'px';
    }
    el.setAttribute('data-base-height', String(el.clientHeight));
    try {
      var chart = echarts.init(el, null, {
        renderer: 'canvas',
        // Twice the pixels at least, so printed charts stay sharp.
        devicePixelRatio: Math.max(window.devicePixelRatio || 1, 2)
      });
      chart.setOption(option);
      if (labelWidths) {
        labelWidths.set(chart, categoryLabelWidths(option));
      }
      fit(chart);
      drawn.push(chart);
      el.classList.add('chart-drawn');
    } catch (e) {
      if (window.console) {
        window.console.error('chart ' + el.id + ':', e);
      }
    }
  }

  // resizeAll fits every chart to its box; with width, to at most that
  // many px (a guess at the printed width, before the print layout exists).
  // ECharts keeps a width or height it was given until told 'auto'.
  function resizeAll(width) {
    drawn.forEach(function (chart) {
      var el = chart.getDom();
      if (width) {
        chart.resize({ width: Math.min(el.clientWidth || width, width), height: 'auto' });
      } else {
        chart.resize({ width: 'auto', height: 'auto' });
      }
      fit(chart);
    });
  }

  // The printed text width: A4 less the 12 mm side margins of site.css's
  // @page rule, in CSS px (96 per inch).
  var printWidth = 703;

  // drawAll draws every chart not drawn yet: before printing, and for
  // tools that print the page (internal/browser dispatches beforeprint).
  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-option]'), draw);
  }

  function init() {
    var charts = document.querySelectorAll('[data-option]');
    if (!charts.length) {
      return;
    }
    document.documentElement.classList.add('charts-on');
    // Draw a chart when it comes near the screen, so opening a long page
    // costs only the charts a reader sees.
    if ('IntersectionObserver' in window) {
      var observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) {
            observer.unobserve(entry.target);
            draw(entry.target);
          }
        });
      }, { rootMargin: '200px 0px' });
      Array.prototype.forEach.call(charts, function (el) {
        observer.observe(el);
      });
    } else {
      drawAll();
    }

    var pending = false;
    window.addEventListener('resize', function () {
      if (pending) {
        return;
      }
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        resizeAll();
      });
    });
    // Printing: browsers send beforeprint while the page still has its
    // screen layout, then lay it out for paper and tell the print media
    // query's listeners (Chromium does so before it prints, also for
    // DevTools' printToPDF). The first draws every chart at a guessed
    // width; the second fits each chart to its printed box.
    window.addEventListener('beforeprint', function () {
      drawAll();
      resizeAll(printWidth);
    });
    window.addEventListener('afterprint', function () {
      resizeAll();
    });
    if (window.matchMedia) {
      var print = window.matchMedia('print');
      var onChange = function (mq) {
        if (mq.matches) {
          drawAll();
        }
        resizeAll();
      };
      if (print.addEventListener) {
        print.addEventListener('change', onChange);
      } else if (print.addListener) {
        print.addListener(onChange);
      }
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
