/**
 * Jest setup file of the mutation run only (stryker.config.mjs): one fast-check seed for every property, so a
 * mutant is killed or missed by the same cases on every run and an incremental re-run is comparable.
 * KEYTURN_PROPERTY_SEED overrides it (e.g. to check that a score does not hang on one lucky seed).
 */
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.KEYTURN_PROPERTY_SEED ?? 2) });
