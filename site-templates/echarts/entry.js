// The ECharts build the site serves (site-templates/static/js/echarts.min.js):
// only the charts and components internal/charts uses. build.sh bundles this
// file as an IIFE that sets the global `echarts`, which site.js reads.
//
// Adding a chart type or component to internal/charts means adding it here
// and running ./build.sh; an option naming something not registered here is
// silently ignored by the production build.
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart, PieChart } from 'echarts/charts';
import {
  AriaComponent,
  GridSimpleComponent,
  LegendPlainComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapContinuousComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  HeatmapChart,
  LineChart,
  PieChart,
  AriaComponent,
  GridSimpleComponent,
  LegendPlainComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapContinuousComponent,
  CanvasRenderer,
]);

export { init, getInstanceByDom, use } from 'echarts/core';
