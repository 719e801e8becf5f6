/*
 * Process-wide defaults that libraries read when they are first imported, so
 * this module is imported first by every entry point.
 * Grafast's development mode adds checks and readable errors; production
 * mode is chosen explicitly by NODE_ENV=production.
 */
process.env.GRAPHILE_ENV ??= process.env.NODE_ENV === "production" ? "production" : "development";
