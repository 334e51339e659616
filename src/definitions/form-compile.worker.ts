import { serveInWorker } from '../common/worker-thread.util.js';
import { formValidatorSource } from './form-schema.util.js';

/** A worker thread's entry (WorkerThread in src/common): one form's validator, as module source, per call. */
serveInWorker((form: Record<string, unknown>): string => formValidatorSource(form));
