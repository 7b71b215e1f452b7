/** The typed binding to the pulumiverse Heroku provider (no Node SDK is published). */
export * from "./binding";
