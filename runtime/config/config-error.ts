/** A configuration problem, with every bad field listed as `path: problem (where to set it)`. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
