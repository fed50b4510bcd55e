/**
 * Option checks shared by the plots: the options object's keys and types (util/options.ts), its
 * required keys, and matplotlib's / seaborn's names for the did-you-mean of an unknown key.
 */
import { checkOptions, type OptionSpec } from '../util/options.js';

/** matplotlib's and seaborn's keywords that nabla names differently. */
const MATPLOTLIB_NAMES = {
  lw: 'lineWidth', linewidths: 'lineWidth', cmap: 'colormap', annot: 'showValues', fmt: 'formatValue',
  xticklabels: 'colLabels', yticklabels: 'rowLabels', figsize: 'width', s: 'radius', data: 'series', labels: 'rowLabels',
};

/** Checks a plot's options and that its required ones are there. */
export function checkPlotOptions<T extends object>(where: string, options: T, spec: OptionSpec<T>, required: readonly (keyof T & string)[] = []): void {
  checkOptions(where, options, spec, MATPLOTLIB_NAMES);
  for (const key of required) {
    if ((options as Record<string, unknown> | undefined)?.[key] === undefined) {
      throw new TypeError(`${where}: option ${key} is required; known options: ${Object.keys(spec).join(', ')}`);
    }
  }
}
