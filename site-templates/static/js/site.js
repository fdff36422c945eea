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
 */
(function () {
  'use strict';

  var echarts = window.echarts;
  if (!echarts || typeof echarts.init !== 'function' || !document.querySelectorAll) {
    return;
  }

  // Number formats named by the option's "stellarFormat" key: the tooltip
  // shows cents, axes and scales whole dollars.
  var usdCents = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
  var usdWhole = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
  var percent = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

  function formatter(fmt, suffix) {
    return function (v) {
      if (Array.isArray(v)) {
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
    usd: { value: formatter(usdCents, ''), axis: formatter(usdWhole, '') },
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
    try {
      var chart = echarts.init(el, null, {
        renderer: 'canvas',
        // Twice the pixels at least, so printed charts stay sharp.
        devicePixelRatio: Math.max(window.devicePixelRatio || 1, 2)
      });
      chart.setOption(option);
      drawn.push(chart);
      el.classList.add('chart-drawn');
    } catch (e) {
      if (window.console) {
        window.console.error('chart ' + el.id + ':', e);
      }
    }
  }

  function resizeAll(width) {
    drawn.forEach(function (chart) {
      if (width) {
        var el = chart.getDom();
        chart.resize({ width: Math.min(el.clientWidth || width, width), height: 'auto' });
      } else {
        chart.resize();
      }
    });
  }

  // Printed pages are narrower than most screens, and browsers fire
  // beforeprint before they lay the page out for print: shrink the charts to
  // an A4/Letter text width first, then fit them to the print layout once
  // the print media query matches, and restore them afterwards.
  var printWidth = 680; // px at 96 dpi: 180 mm, A4 less 15 mm margins

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
          resizeAll(printWidth);
        } else {
          resizeAll();
        }
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
