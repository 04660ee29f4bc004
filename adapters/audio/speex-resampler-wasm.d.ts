/** The package ships plain JS: its default export instantiates the WASM module. */
declare module '@echogarden/speex-resampler-wasm' {
  const createModule: () => Promise<unknown>;
  export default createModule;
}
