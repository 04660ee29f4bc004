/**
 * The emergency stop's local recognizer (`session.estop.localRecognizer`), telling its session when it
 * fails. The emergency-stop actor drops an utterance the recognizer fails on from that path and goes on
 * with the spotter and the session's own transcripts; without a word of it, a recognizer that never works
 * (a grammar its decoder rejects, a library gone) would leave a robot with one ear fewer and nobody told.
 * The first failure of a session is reported (`estop_recognizer_failed`); the ones after it are the same.
 *
 * @example
 * ```ts
 * const stopStt = reportingFailures(engine, (error) => publish(Notices.estop_recognizer_failed(String(error))));
 * ```
 */
import { SttBusyError, type SttEngine, type SttStream } from '../adapters/stt/types.js';

/**
 * `engine` as it is, with its first failure (a stream it could not start, audio it threw on, a final that failed)
 * handed to `report`.
 */
export function reportingFailures(engine: SttEngine, report: (error: unknown) => void): SttEngine {
  let told = false;
  const tell = (error: unknown) => {
    if (told) return;
    told = true;
    report(error);
  };
  return {
    name: engine.name,
    ...(engine.warmUp ? { warmUp: () => engine.warmUp!() } : {}),
    createStream(options) {
      let stream: SttStream;
      try {
        stream = engine.createStream(options);
      } catch (error) {
        // A decode shed because every decoder was busy: the recognizer did not fail.
        if (!(error instanceof SttBusyError)) tell(error);
        throw error;
      }
      return {
        push(audio) {
          try {
            stream.push(audio);
          } catch (error) {
            tell(error);
            throw error;
          }
        },
        ...(stream.flushPartial ? { flushPartial: () => stream.flushPartial!() } : {}),
        finish: () =>
          stream.finish().catch((error: unknown) => {
            // A decode the session cancelled is not the recognizer failing.
            if (!options.signal.aborted) tell(error);
            throw error;
          }),
      };
    },
  };
}
