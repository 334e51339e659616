// Generated from docs/api/openapi.json by `npm run openapi:generate`: do not edit by hand.
// Use with openapi-fetch: createClient<paths>({ baseUrl }); see docs/api/README.md.

export interface paths {
    "/api/v1/calendars": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The business calendars, with how far their holiday data reaches */
        get: operations["CalendarController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/calendars/{name}/due": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The due time a step opened at `from` would get */
        get: operations["CalendarController_due"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workflows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Latest version of every workflow */
        get: operations["DefinitionsController_list"];
        put?: never;
        /** Register a definition: 201 for a new version, 200 when identical to the latest */
        post: operations["DefinitionsController_register"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workflows/analyze": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Validate and analyse a definition without storing it */
        post: operations["DefinitionsController_analyze"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workflows/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One workflow version (the latest unless ?version=N) */
        get: operations["DefinitionsController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workflows/{key}/diagram": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Mermaid text of the dependency graph, critical path highlighted */
        get: operations["DefinitionsController_diagram"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/applications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's own applications, newest first */
        get: operations["ApplicationsController_list"];
        put?: never;
        /** Submit an application: it fans out to every department at once */
        post: operations["ApplicationsController_submit"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/applications/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The status view; If-None-Match with its ETag answers 304 */
        get: operations["ApplicationsController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/applications/{id}/resubmit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resubmit after a return for correction: a JSON merge patch of data; reopens the returned steps and the approved steps that read a changed value; 409 unless the application awaits correction */
        post: operations["ApplicationsController_resubmit"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/applications/{id}/withdraw": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Withdraw before the decision: open and blocked steps are cancelled; 409 once decided */
        post: operations["ApplicationsController_withdraw"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/applications/{id}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every event of the application, hash-chained, with the chain verified and the proof of its head in the latest signed checkpoint */
        get: operations["ApplicationsController_history"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit/public-key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The Ed25519 public key that signs checkpoints (no token: anyone may verify; pin it out of band) */
        get: operations["AuditController_publicKey"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit/checkpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Signed checkpoints, newest first (any authenticated caller) */
        get: operations["AuditController_list"];
        put?: never;
        /** Sign a checkpoint now over the heads of every application changed since the last one */
        post: operations["AuditController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Recheck every history chain against the signed checkpoints and name each application that fails */
        get: operations["AuditController_verify"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The department's inbox, most urgent due time first */
        get: operations["TasksController_inbox"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One task, with only the form fields its step may see */
        get: operations["TasksController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{id}/decision": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Approve or reject an open task; 409 when it is no longer open */
        post: operations["TasksController_decide"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{id}/claim": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Claim an open task: colleagues see who holds it; 409 when another officer holds it */
        post: operations["TasksController_claim"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{id}/release": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Release a claim: only its holder or an admin */
        post: operations["TasksController_release"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{id}/transfer": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Transfer (转办) an open task to a named officer of its department, who then holds it */
        post: operations["TasksController_transfer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{id}/signers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Add a signer (加签): raise this application's required signatures for the step; never lower them. While the task is claimed, only its holder may */
        post: operations["TasksController_addSigners"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Database and queue reachability: 200 when both answer, else 503 */
        get: operations["HealthController_health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process answers (200), whatever its dependencies do */
        get: operations["HealthController_live"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: 200 when the database and queue answer, every migration is applied and the process is not shutting down; else 503 */
        get: operations["HealthController_ready"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics (text format); wants `Bearer METRICS_TOKEN` when that is set */
        get: operations["MetricsController_scrape"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports/workflows/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * How a workflow performs: status counts, end-to-end time, departments, realised speedup, bottleneck
         * @description JSON by default; `Accept: text/csv` gives one row per figure (section, subject, metric, value).
         */
        get: operations["ReportsController_workflow"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/applications/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-sent events: one event per history entry (id = seq), heartbeats, an `end` event and close once decided */
        get: operations["LiveController_application"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-sent events for the department's inbox: a `task` event with the task view whenever a task enters, changes in or leaves the inbox (`withheld`, without the view, past the read quota) */
        get: operations["LiveController_inbox"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every subscription (without secrets) */
        get: operations["WebhooksController_list"];
        put?: never;
        /** Subscribe a URL (on WEBHOOK_ALLOWED_HOSTS) to application and task events */
        post: operations["WebhooksController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Unsubscribe; its pending deliveries are dropped */
        delete: operations["WebhooksController_remove"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The delivery log of a subscription, newest first */
        get: operations["WebhooksController_deliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send one delivery again (same webhook-id and body) */
        post: operations["WebhooksController_redeliver"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/applications/{id}/rating": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rate a decided application once, 1 (poor) to 5 (good) (好差评) */
        post: operations["RatingsController_rate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ratings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Rating counts and averages, overall and per department */
        get: operations["RatingsController_report"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/applications/{id}/disclosures": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who was shown the application's data: each task view (department, officer, fields, step) and fact lookup, newest first */
        get: operations["DisclosuresController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/disclosures/flows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Disclosures and fields per (source → recipient department) pair and kind, per hour or day */
        get: operations["DisclosuresController_flows"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/queue-dashboard/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** An address that opens the queue dashboard (/admin/queues) in a browser: valid one minute */
        post: operations["QueueDashboardController_session"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        FieldErrorDto: {
            /**
             * @description JSON path of the offending value
             * @example $.data.seats
             */
            path: string;
            /** @example must be integer */
            message: string;
        };
        ProblemDto: {
            /** @example about:blank */
            type: string;
            /** @example Invalid input */
            title: string;
            /** @example 400 */
            status: number;
            /** @example The request is invalid */
            detail: string;
            /** @description Every problem found, empty when there is no field to name */
            errors: components["schemas"]["FieldErrorDto"][];
        };
        CalendarSummaryDto: {
            /** @example cn-mainland */
            name: string;
            /**
             * @description IANA time zone its days are counted in
             * @example Asia/Shanghai
             */
            timeZone: string;
            /**
             * Format: date
             * @description First day its holiday data covers
             * @example 2024-01-01
             */
            coversFrom: string;
            /**
             * Format: date
             * @description Last day its holiday data covers
             * @example 2026-12-31
             */
            coversUntil: string;
        };
        DueTimeDto: {
            /**
             * Format: date-time
             * @description In the calendar's own wall-clock time, with its offset
             * @example 2026-10-12T23:59:59.999+08:00
             */
            dueAt: string;
            /** @description True when the count ran past the calendar's holiday data (weekends only there) */
            beyondData: boolean;
        };
        FactDefinitionDto: {
            /**
             * @description URL template; `{path}` is replaced by the URL-encoded form value at that path
             * @example https://registry.example.gov/companies/{creditCode}
             */
            url: string;
            /** @example 2000 */
            timeoutMs?: number;
            /** @example 300 */
            cacheSeconds?: number;
        };
        DurationDto: {
            /**
             * @description Business days of the workflow calendar
             * @example 3
             */
            workingDays?: number;
            hours?: number;
            minutes?: number;
            seconds?: number;
        };
        StepDefinitionDto: {
            /** @example business-licence */
            id: string;
            /** @example Business licence */
            name: string;
            /**
             * @description Code of the department whose officers act on this step
             * @example market-regulation
             */
            department: string;
            /** @description Step ids that must be approved before this one opens */
            after?: string[];
            /** @description Form paths or produced values this step reads */
            needs?: string[];
            /** @description Values this step adds to the application when approved */
            produces?: string[];
            /** @description JSON Logic over the form data; false skips the step */
            when?: {
                [key: string]: unknown;
            } | unknown[] | boolean | number | string;
            /** @description The only form fields this department may see */
            fields?: string[];
            /** @description Exactly one unit */
            timeLimit: components["schemas"]["DurationDto"];
            /**
             * @default escalate
             * @enum {string}
             */
            onTimeout?: "approve" | "reject" | "escalate";
            /** @description Early warning before the due time; exactly one unit */
            remindBefore?: components["schemas"]["DurationDto"];
            /** @description JSON Logic; true approves the step by rule */
            autoApprove?: {
                [key: string]: unknown;
            } | unknown[] | boolean | number | string;
            /**
             * @description Distinct officers who must approve (at most 50, as an officer may raise it to for one application)
             * @default 1
             */
            signoff?: number;
        };
        WorkflowDefinitionDto: {
            /** @example ./workflow.schema.json */
            $schema?: string;
            /** @example open-restaurant */
            key: string;
            /** @example Open a restaurant */
            name: string;
            description?: string;
            /**
             * @description Business calendar for working-day limits
             * @example cn-mainland
             */
            calendar?: string;
            /** @description JSON Schema (2020-12) of the application data, an object schema (`"type": "object"`). A property marked `"x-pii": true` is personal data: sealed at rest, shown only to the applicant and the departments a step grants it, erased after PII_RETENTION_DAYS */
            form: {
                [key: string]: unknown;
            };
            /** @description Named lookups of other departments’ data, read by rules as `facts.<name>` */
            facts?: {
                [key: string]: components["schemas"]["FactDefinitionDto"];
            };
            /** @description How long an application may wait for the applicant to correct it before it lapses (status `lapsed`); exactly one unit, working days on the workflow calendar. None: it waits without limit */
            correctionWindow?: components["schemas"]["DurationDto"];
            steps: components["schemas"]["StepDefinitionDto"][];
        };
        DependencyEdgeDto: {
            /** @example fire-safety */
            from: string;
            /** @example business-licence */
            to: string;
            /** @description Values `from` produces that `to` needs: the data that forces it */
            values: string[];
            /** @description The edge is (also) declared in `to`'s `after` */
            declared: boolean;
        };
        HandoffDto: {
            from: string;
            to: string;
            /** @description False when `to` never waits for `from`: the hand-off is dropped, both run in parallel */
            kept: boolean;
            /** @description The values flowing directly from `from` to `to` */
            values: string[];
            declared: boolean;
            /** @description The chain of prerequisites that keeps the hand-off (`[from, to]` when direct); empty when dropped */
            via: string[];
        };
        RedundantAfterDto: {
            /**
             * @description JSON path of the `after` entry
             * @example $.steps[3].after[0]
             */
            path: string;
            step: string;
            after: string;
            /** @description Non-empty when the `after` duplicates a data dependency */
            values: string[];
            /** @description The chain that implies it */
            via: string[];
        };
        AnalysisDto: {
            /**
             * @description Unit of `serial` and `parallel`: workingDays when every limit taken is in working days, else seconds
             * @enum {string}
             */
            unit: "workingDays" | "seconds";
            /**
             * @description Sum of the limits of the steps taken: the serial process
             * @example 40
             */
            serial: number;
            /**
             * @description Length of the critical path: the parallel process
             * @example 15
             */
            parallel: number;
            /**
             * @description The share of serial time the parallel process saves: 1 - parallel / serial, to four decimals (0 when serial is 0)
             * @example 0.625
             */
            compression: number;
            /** @description Step ids of the longest chain of committed limits, first step first */
            criticalPath: string[];
            /**
             * Format: date-time
             * @description Present when working days mix with other units: the instant the first steps are taken to open
             */
            referenceInstant?: string;
            /** @description Each step's resolved prerequisites: `after` plus the producers of what it `needs` */
            dependencies: {
                [key: string]: string[];
            };
            /** @description The minimal dependency graph */
            edges: components["schemas"]["DependencyEdgeDto"][];
            /** @description Each hand-off of the old serial order: kept, or dropped */
            handoffs: components["schemas"]["HandoffDto"][];
            /** @description Declared `after` entries another dependency implies */
            redundant: components["schemas"]["RedundantAfterDto"][];
        };
        WorkflowRegistrationDto: {
            /** @example open-restaurant */
            key: string;
            /** @example 1 */
            version: number;
            analysis: components["schemas"]["AnalysisDto"];
            /** @description Present only when not empty: what this deployment will make of a valid definition without refusing it, each with its JSON path. A fact on a host outside FACTS_ALLOWED_HOSTS: every lookup of it fails, so a rule reading it never holds and its step is left to officers */
            warnings?: components["schemas"]["FieldErrorDto"][];
        };
        WorkflowCheckDto: {
            /** @description True when the document would register */
            valid: boolean;
            /** @description Every problem, with its JSON path; empty when valid */
            errors: components["schemas"]["FieldErrorDto"][];
            /** @description Present only when not empty: what this deployment will make of a valid definition without refusing it, each with its JSON path. A fact on a host outside FACTS_ALLOWED_HOSTS: every lookup of it fails, so a rule reading it never holds and its step is left to officers */
            warnings?: components["schemas"]["FieldErrorDto"][];
            /** @description null when the document is not a valid definition */
            analysis: components["schemas"]["AnalysisDto"] | null;
        };
        WorkflowSummaryDto: {
            /** @example open-restaurant */
            key: string;
            /** @example Open a restaurant */
            name: string;
            /**
             * @description The latest version
             * @example 2
             */
            version: number;
        };
        WorkflowVersionDto: {
            /** @example open-restaurant */
            key: string;
            /** @example 2 */
            version: number;
            /** @example Open a restaurant */
            name: string;
            /** @description The definition as registered */
            definition: components["schemas"]["WorkflowDefinitionDto"];
            analysis: components["schemas"]["AnalysisDto"];
        };
        SubmitApplicationDto: {
            /**
             * @description Key of the workflow; its latest version is used. A key no workflow has (however spelt) is a 404
             * @example open-restaurant
             */
            workflow: string;
            /** @description Data matching the workflow's form */
            data: {
                [key: string]: unknown;
            };
        };
        WorkflowRefDto: {
            key: string;
            version: number;
        };
        CommitmentDto: {
            /**
             * @description Unit of `serial` and `parallel`: workingDays when every limit taken is in working days, else seconds
             * @enum {string}
             */
            unit: "workingDays" | "seconds";
            /**
             * @description Sum of the limits of the steps taken: the serial process
             * @example 40
             */
            serial: number;
            /**
             * @description Length of the critical path: the parallel process
             * @example 15
             */
            parallel: number;
            /**
             * @description The share of serial time the parallel process saves: 1 - parallel / serial, to four decimals (0 when serial is 0)
             * @example 0.625
             */
            compression: number;
            /** @description Step ids of the longest chain of committed limits, first step first */
            criticalPath: string[];
            /**
             * Format: date-time
             * @description Present when working days mix with other units: the instant the first steps are taken to open
             */
            referenceInstant?: string;
        };
        StepViewDto: {
            id: string;
            name: string;
            department: string;
            /** @enum {string} */
            status: "blocked" | "open" | "approved" | "rejected" | "returned" | "skipped" | "cancelled";
            /** Format: date-time */
            openedAt: string | null;
            /**
             * Format: date-time
             * @description In the wall-clock time of the workflow calendar, with its offset (UTC without a calendar)
             * @example 2026-12-04T23:59:59.999+08:00
             */
            dueAt: string | null;
            /** Format: date-time */
            decidedAt: string | null;
            /** @enum {string|null} */
            decidedBy: "officer" | "rule" | "timeout" | null;
            overdue: boolean;
            reminded: boolean;
            dueBeyondCalendar: boolean;
            comment: string | null;
        };
        CorrectionDto: {
            /** @description The step that returned the application */
            step: string;
            department: string;
            comment: string | null;
            /** @description Form fields to correct */
            fields: string[];
        };
        WaitingIntervalDto: {
            /** Format: date-time */
            from: string;
            /**
             * Format: date-time
             * @description null while waiting
             */
            to: string | null;
        };
        WaitingForApplicantDto: {
            /** @description True while the application awaits correction */
            waiting: boolean;
            /**
             * Format: date-time
             * @description Start of the wait under way
             */
            since: string | null;
            /**
             * Format: date-time
             * @description When the application lapses unless corrected (`correctionWindow`)
             */
            lapsesAt: string | null;
            /** @description Seconds spent waiting in the stretches that have ended; counted against no department */
            seconds: number;
            intervals: components["schemas"]["WaitingIntervalDto"][];
        };
        ApplicationViewDto: {
            /** Format: uuid */
            id: string;
            workflow: components["schemas"]["WorkflowRefDto"];
            /** @enum {string} */
            status: "in_review" | "correction_requested" | "approved" | "rejected" | "withdrawn" | "lapsed";
            /** Format: date-time */
            submittedAt: string;
            /** Format: date-time */
            decidedAt: string | null;
            /**
             * Format: date-time
             * @description The latest due time along what is left of the critical path. In the wall-clock time of the workflow calendar, with its offset (UTC without a calendar)
             * @example 2026-12-04T23:59:59.999+08:00
             */
            expectedBy: string | null;
            /** @description What the departments committed to for this application: the workflow's analysis over the steps it takes. A step it skipped holds nothing up, so where one lay on the workflow's critical path, this application's runs elsewhere */
            commitment: components["schemas"]["CommitmentDto"];
            revision: number;
            data: {
                [key: string]: unknown;
            };
            produced: {
                [key: string]: unknown;
            };
            steps: components["schemas"]["StepViewDto"][];
            /** @description Every correction request together, one per returned step, once no department is still reviewing */
            corrections: components["schemas"]["CorrectionDto"][];
            waitingForApplicant: components["schemas"]["WaitingForApplicantDto"];
        };
        ApplicationPageDto: {
            items: components["schemas"]["ApplicationViewDto"][];
            /** @description Pass back as ?cursor= for the next page; null when there is none */
            nextCursor: string | null;
        };
        ResubmitApplicationDto: {
            /**
             * @description A JSON merge patch (RFC 7396) of the application data: members replace, `null` removes; the result must match the form of the version the application is pinned to
             * @example {
             *       "floorPlan": "https://files.example/plan-v2.pdf"
             *     }
             */
            data: {
                [key: string]: unknown;
            };
        };
        HistoryActor: {
            /** @enum {string} */
            role: "admin" | "officer" | "applicant" | "system";
            id: string;
        };
        HistoryEvent: {
            seq: number;
            /** Format: date-time */
            at: string;
            actor: components["schemas"]["HistoryActor"];
            /** @description See docs/history-events.md */
            type: string;
            step: string | null;
            detail: {
                [key: string]: unknown;
            };
        };
        ChainState: {
            /** @description The hash chain verifies row by row */
            valid: boolean;
            /**
             * @description SHA-256, 64 lower-case hex digits
             * @example a3f1…
             */
            head: string;
            /** @description Whether the event at the signed head still has the signed hash; null when no checkpoint covers the application yet */
            matchesCheckpoint: boolean | null;
        };
        CheckpointView: {
            /** @description Statement format, 1 */
            version: number;
            /** @description 1, 2, 3…, without gaps */
            seq: number;
            /** Format: date-time */
            createdAt: string;
            /** @description History ids above this (the previous checkpoint’s toId) are new here; decimal */
            fromId: string;
            /** @description The highest history id covered; decimal */
            toId: string;
            /** @description How many chain heads (applications) the tree holds */
            leafCount: number;
            /**
             * @description Merkle root (RFC 9162) over the chain heads, ordered by application id
             * @example a3f1…
             */
            root: string;
            /**
             * @description The previous checkpoint’s hash; 64 zeros for the first
             * @example a3f1…
             */
            prevHash: string;
            /**
             * @description SHA-256 of the public key’s DER (SPKI) that signed
             * @example a3f1…
             */
            keyId: string;
            /**
             * @description SHA-256 of the signed statement
             * @example a3f1…
             */
            hash: string;
            /** @description Ed25519 signature over the statement, base64 */
            signature: string;
        };
        ChainHeadLeaf: {
            /** @description Position of the leaf in the checkpoint’s tree */
            index: number;
            /** @description The history seq that was the head when the checkpoint was signed */
            seq: number;
            /**
             * @description That event’s hash
             * @example a3f1…
             */
            hash: string;
        };
        CheckpointProof: {
            checkpoint: components["schemas"]["CheckpointView"];
            /** @description Leaf data is `applicationId\nseq\nhash` (UTF-8) */
            leaf: components["schemas"]["ChainHeadLeaf"];
            /** @description RFC 9162 inclusion path, sibling hashes from the leaf up */
            proof: string[];
        };
        HistoryView: {
            events: components["schemas"]["HistoryEvent"][];
            chain: components["schemas"]["ChainState"];
            /** @description The latest signed checkpoint covering this application; null until one does */
            checkpoint: components["schemas"]["CheckpointProof"] | null;
        };
        PublicKeyView: {
            /** @example Ed25519 */
            algorithm: string;
            /**
             * @description SHA-256 of the key’s DER (SPKI); checkpoints name it
             * @example a3f1…
             */
            keyId: string;
            /** @description The public key, SPKI PEM */
            pem: string;
        };
        CheckpointPage: {
            /** @description Newest first */
            items: components["schemas"]["CheckpointView"][];
            /** @description Pass as `cursor` for the next page; null at the end */
            nextCursor: string | null;
        };
        VerifyReport: {
            /** @description How many applications’ histories were checked */
            checked: number;
            /** @description Ids of the applications whose history fails, sorted */
            failed: string[];
            /** @description How many checkpoints were checked */
            checkpoints: number;
            /** @description Seqs of checkpoints that fail (signature, link or leaves) */
            failedCheckpoints: number[];
        };
        TaskWorkflowRefDto: {
            key: string;
            version: number;
        };
        SignoffDto: {
            officer: string;
            /** Format: date-time */
            at: string;
        };
        TaskViewDto: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            applicationId: string;
            workflow: components["schemas"]["TaskWorkflowRefDto"];
            step: string;
            name: string;
            department: string;
            /** @enum {string} */
            status: "open" | "approved" | "rejected" | "returned" | "cancelled";
            /** Format: date-time */
            openedAt: string;
            /**
             * Format: date-time
             * @description In the wall-clock time of the workflow calendar, with its offset (UTC without a calendar)
             * @example 2026-12-04T23:59:59.999+08:00
             */
            dueAt: string;
            dueBeyondCalendar: boolean;
            /** Format: date-time */
            remindAt: string | null;
            /** Format: date-time */
            decidedAt: string | null;
            /** @enum {string|null} */
            decidedBy: "officer" | "rule" | "timeout" | null;
            decidedByOfficer: string | null;
            overdue: boolean;
            reminded: boolean;
            attempt: number;
            comment: string | null;
            signoffs: components["schemas"]["SignoffDto"][];
            /** @description The step's signoff, or more where raised for this application */
            signoffRequired: number;
            /** @description The officer holding the task (claim or transfer) */
            claimedBy: string | null;
            produces: string[];
            /** @description Only the form fields the step's `fields` grant */
            data: {
                [key: string]: unknown;
            };
        };
        TaskPageDto: {
            items: components["schemas"]["TaskViewDto"][];
            nextCursor: string | null;
        };
        DecisionDto: {
            /**
             * @description `return`: back to the applicant for correction, with `comment` and the form `fields` to correct
             * @enum {string}
             */
            outcome: "approve" | "reject" | "return";
            comment?: string;
            /** @description Values the step declares in produces */
            produces?: {
                [key: string]: unknown;
            };
            /**
             * @description Form fields to correct, as dotted paths of the form, among those the step sees (return only, at least one)
             * @example [
             *       "floorPlan"
             *     ]
             */
            fields?: string[];
        };
        TransferDto: {
            /**
             * @description The officer of the same department who is to hold the task; not blank
             * @example bob
             */
            officer: string;
            comment?: string;
        };
        SignersDto: {
            /** @description Signatures this step now requires for this application; only ever raised */
            required: number;
        };
        HealthDto: {
            /** @enum {string} */
            status: "ok" | "unavailable";
            /** @enum {string} */
            database: "up" | "down";
            /** @enum {string} */
            queue: "up" | "down";
            /** @enum {string} */
            queueBackend: "redis" | "postgres";
        };
        LivenessDto: {
            /** @enum {string} */
            status: "ok";
        };
        ReadinessChecksDto: {
            /** @enum {string} */
            database: "up" | "down";
            /** @enum {string} */
            queue: "up" | "down";
            /**
             * @description unknown while the database is down
             * @enum {string}
             */
            migrations: "applied" | "pending" | "unknown";
            /** @description true from SIGTERM on: the process finishes its work and exits */
            shuttingDown: boolean;
        };
        ReadinessDto: {
            /** @enum {string} */
            status: "ready" | "not ready";
            checks: components["schemas"]["ReadinessChecksDto"];
        };
        StatusCountsDto: {
            in_review: number;
            correction_requested: number;
            approved: number;
            rejected: number;
            withdrawn: number;
            /** @description Left in correction past the workflow's correctionWindow */
            lapsed: number;
        };
        ApplicationCountsDto: {
            /** @description Applications submitted in the period */
            total: number;
            byStatus: components["schemas"]["StatusCountsDto"];
        };
        EndToEndDto: {
            /** @description Applications approved or rejected */
            decided: number;
            /** @description Median seconds from submission to decision */
            medianSeconds: number | null;
            /** @description 90th percentile, in seconds */
            p90Seconds: number | null;
        };
        DepartmentReportDto: {
            department: string;
            /** @description Tasks approved, rejected or returned (every attempt counts) */
            decided: number;
            /** @description Median seconds from a task opening to its decision */
            medianDecisionSeconds: number | null;
            /** @description Decided by an officer or a rule no later than the due time */
            onTime: number;
            /** @description onTime / decided */
            onTimeRate: number | null;
            /** @description Approved on timeout (超时默认同意) */
            deemedApprovals: number;
            /** @description Approved by rule (秒批) */
            ruleApprovals: number;
            /** @description Tasks returned to the applicant for correction */
            returns: number;
            /** @description Ratings (好差评) of applications this department worked on */
            ratings: number;
            /** @description Mean score of those ratings, 1 to 5 */
            ratingAverage: number | null;
        };
        SpeedupDto: {
            /** @description Applications approved or rejected in the period */
            decidedApplications: number;
            /** @description Sum over them of every decided task’s actual duration: the time in series */
            serialSeconds: number;
            /** @description Sum over them of submission-to-decision time */
            elapsedSeconds: number;
            /** @description serialSeconds / elapsedSeconds */
            realised: number | null;
            /** @description 1 - elapsedSeconds / serialSeconds */
            realisedCompression: number | null;
            /** @description Committed serial / parallel time of the latest version */
            committed: number | null;
            /** @description Committed compression of the latest version (1 - parallel / serial) */
            committedCompression: number;
        };
        CriticalDepartmentDto: {
            department: string;
            /** @description Decided applications whose actual critical path runs through this department */
            applications: number;
            /** @description applications / all decided applications with a path */
            share: number;
            /** @description Seconds this department spent on those critical paths */
            seconds: number;
        };
        CriticalPathDto: {
            steps: string[];
            applications: number;
        };
        BottleneckDto: {
            /** @description Decided applications whose actual critical path was traced */
            applications: number;
            /** @description The department most often on the critical path */
            department: string | null;
            departments: components["schemas"]["CriticalDepartmentDto"][];
            /** @description The five most frequent actual critical paths */
            paths: components["schemas"]["CriticalPathDto"][];
        };
        WorkflowReportDto: {
            workflow: string;
            from: string | null;
            to: string | null;
            applications: components["schemas"]["ApplicationCountsDto"];
            endToEnd: components["schemas"]["EndToEndDto"];
            departments: components["schemas"]["DepartmentReportDto"][];
            speedup: components["schemas"]["SpeedupDto"];
            bottleneck: components["schemas"]["BottleneckDto"];
        };
        ActorDto: {
            /** @enum {string} */
            role: "admin" | "officer" | "applicant" | "system";
            id: string;
        };
        HistoryEventDto: {
            /** Format: uuid */
            applicationId: string;
            /** @description History sequence number, also the SSE event id (resume with Last-Event-ID) */
            seq: number;
            /** Format: date-time */
            at: string;
            actor: components["schemas"]["ActorDto"];
            /** @example step_opened */
            type: string;
            step: string | null;
            detail: {
                [key: string]: unknown;
            };
        };
        StreamEndDto: {
            /** @example approved */
            status: string;
        };
        InboxReadyDto: {
            /** @description The first of the officer's departments (kept for one-department clients); null for an admin */
            department: string | null;
            /**
             * @description Every department the stream covers, as the token names them; null for an admin (all of them)
             * @example [
             *       "market-regulation",
             *       "fire-rescue"
             *     ]
             */
            departments: string[] | null;
        };
        InboxResyncDto: Record<string, never>;
        TaskWithheldDto: {
            /** Format: uuid */
            id: string;
            /** @description Seconds until the quota frees up */
            retryAfterSeconds: number;
        };
        CreateWebhookDto: {
            /**
             * @description On WEBHOOK_ALLOWED_HOSTS
             * @example https://portal.example/hooks/approvals
             */
            url: string;
            /**
             * @description History entry types to deliver (each one the service writes, as docs/history-events.md lists them), or ["*"] for every event
             * @example [
             *       "step_opened",
             *       "application_approved"
             *     ]
             */
            events: string[];
            /** @description Only applications of this workflow key */
            workflow?: string;
        };
        CreatedWebhookDto: {
            /** Format: uuid */
            id: string;
            url: string;
            events: string[];
            workflow: string | null;
            /** Format: date-time */
            createdAt: string;
            /** @description Standard Webhooks signing secret (whsec_…); verify webhook-signature with it */
            secret: string;
        };
        WebhookDto: {
            /** Format: uuid */
            id: string;
            url: string;
            events: string[];
            workflow: string | null;
            /** Format: date-time */
            createdAt: string;
        };
        WebhookListDto: {
            items: components["schemas"]["WebhookDto"][];
        };
        DeliveryDto: {
            /**
             * Format: uuid
             * @description Also the webhook-id header of every attempt
             */
            id: string;
            /** Format: uuid */
            subscriptionId: string;
            /** Format: uuid */
            applicationId: string;
            /** @description History sequence number of the event */
            seq: number;
            eventType: string;
            /** @enum {string} */
            status: "pending" | "delivered";
            attempts: number;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            lastAttemptAt: string | null;
            /** @description HTTP status of the last attempt */
            lastStatus: number | null;
            lastError: string | null;
            /** Format: date-time */
            deliveredAt: string | null;
            /**
             * Format: date-time
             * @description When the sweep may next try a pending delivery
             */
            nextAttemptAt: string;
        };
        DeliveryListDto: {
            items: components["schemas"]["DeliveryDto"][];
            nextCursor: string | null;
        };
        RateDto: {
            /** @description 1 (poor) to 5 (good) */
            score: number;
            comment?: string;
        };
        RatingDto: {
            /** Format: uuid */
            applicationId: string;
            score: number;
            comment: string | null;
            /** Format: date-time */
            createdAt: string;
        };
        RatingSummaryDto: {
            count: number;
            /** @description Mean score, two decimals; null without ratings */
            average: number | null;
        };
        DepartmentRatingDto: {
            count: number;
            /** @description Mean score, two decimals; null without ratings */
            average: number | null;
            department: string;
        };
        RatingsReportDto: {
            workflow: string | null;
            /** Format: date-time */
            from: string | null;
            /** Format: date-time */
            to: string | null;
            overall: components["schemas"]["RatingSummaryDto"];
            /** @description Each rating counts for every department that worked on the application (skipped steps do not) */
            departments: components["schemas"]["DepartmentRatingDto"][];
        };
        DisclosureActorDto: {
            /** @enum {string} */
            role: "officer" | "admin" | "system";
            /** @description The officer's or admin's id; `rule` for a fact lookup */
            id: string;
        };
        DisclosureDto: {
            /** Format: uuid */
            id: string;
            /** @enum {string} */
            kind: "task-view" | "fact-lookup";
            /** @description The department shown the fields (task view) or the host of the service asked (fact lookup); null: an admin */
            department: string | null;
            actor: components["schemas"]["DisclosureActorDto"];
            /** @description The workflow step in whose name the data was read */
            step: string;
            /** @description Dotted paths of the form fields disclosed; never their values */
            fields: string[];
            /** @description A fact lookup's fact name; null for a task view */
            fact: string | null;
            /** Format: date-time */
            at: string;
        };
        DisclosurePageDto: {
            /** @description Newest first */
            items: components["schemas"]["DisclosureDto"][];
            nextCursor: string | null;
        };
        FlowDto: {
            /**
             * Format: date-time
             * @description Start of the hour or day (UTC)
             */
            bucket: string;
            /** @description Whose data: `applicant` (the form) */
            source: string;
            /** @description Department or fact host; null: admins */
            recipient: string | null;
            /** @enum {string} */
            kind: "task-view" | "fact-lookup";
            /** @description Disclosures in the bucket */
            disclosures: number;
            /** @description Fields disclosed in the bucket, summed */
            fields: number;
        };
        FlowsDto: {
            /** Format: date-time */
            from: string;
            /** Format: date-time */
            to: string;
            /** @enum {string} */
            bucket: "hour" | "day";
            /** @description By bucket, then source, recipient and kind */
            items: components["schemas"]["FlowDto"][];
        };
        QueueDashboardSessionDto: {
            /**
             * @description Open this address in the browser within a minute: it sets the dashboard cookie and redirects
             * @example /admin/queues/enter?code=eyJhbGciOiJIUzI1NiJ9...
             */
            url: string;
            /**
             * Format: date-time
             * @description When the address stops working
             */
            expiresAt: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    CalendarController_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CalendarSummaryDto"][];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    CalendarController_due: {
        parameters: {
            query: {
                /** @description When the step opens (ISO-8601 with an offset) */
                from: string;
                workingDays?: string;
                hours?: string;
                minutes?: string;
                seconds?: string;
            };
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DueTimeDto"];
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100, the last then counting the rest) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such calendar */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    DefinitionsController_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowSummaryDto"][];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    DefinitionsController_register: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WorkflowDefinitionDto"];
            };
        };
        responses: {
            /** @description Identical to the latest version: nothing stored */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowRegistrationDto"];
                };
            };
            /** @description A new version */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowRegistrationDto"];
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100, the last then counting the rest) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The body is not sent as application/json in UTF-8, uncompressed */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    DefinitionsController_analyze: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WorkflowDefinitionDto"];
            };
        };
        responses: {
            /** @description An invalid document is a 200 too, with valid: false */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowCheckDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The body is not sent as application/json in UTF-8, uncompressed */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    DefinitionsController_get: {
        parameters: {
            query?: {
                /** @description A version; the latest if absent */
                version?: number;
            };
            header?: never;
            path: {
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowVersionDto"];
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100, the last then counting the rest) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    DefinitionsController_diagram: {
        parameters: {
            query?: {
                /** @description A version; the latest if absent */
                version?: number;
            };
            header?: never;
            path: {
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Mermaid flowchart text. Labels code `"` `#` `&` `<` `>` as `#34;` `#35;` `#38;` `#60;` `#62;`, and the space after `direction` as `#32;`; a step id Mermaid would misread (`end`, `style-check`, `click`, one holding `--`) is written with a capital first letter and underscores for hyphens (`End`, `Style_check`). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100, the last then counting the rest) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    ApplicationsController_list: {
        parameters: {
            query?: {
                status?: "in_review" | "correction_requested" | "approved" | "rejected" | "withdrawn" | "lapsed";
                /** @description Page size, 1 to 100 (default 20) */
                limit?: string;
                /** @description The nextCursor of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApplicationPageDto"];
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100, the last then counting the rest) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    ApplicationsController_submit: {
        parameters: {
            query?: never;
            header?: {
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SubmitApplicationDto"];
            };
        };
        responses: {
            /** @description The application view (a replayed Idempotency-Key answers the first response again) */
            201: {
                headers: {
                    /** @description The ETag of this revision */
                    ETag?: string;
                    /** @description Where the application is */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApplicationViewDto"];
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100); `data` that would take the form's patterns too long to check is refused with one problem at `$.data` */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such workflow */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Idempotency-Key reused with another body */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The body is not sent as application/json in UTF-8, uncompressed */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    ApplicationsController_get: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag last seen: 304 while unchanged; `*` names any current one, so always 304 */
                "If-None-Match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The application view, with its ETag */
            200: {
                headers: {
                    /** @description Derived from the revision */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApplicationViewDto"];
                };
            };
            /** @description If-None-Match named the current ETag, or was `*` */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    ApplicationsController_resubmit: {
        parameters: {
            query?: never;
            header?: {
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ResubmitApplicationDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApplicationViewDto"];
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100). The stored data with the patch merged in must match the form and stay within the limits of one request body (JSON_MAX_*, BODY_LIMIT_BYTES) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The application is not awaiting correction, or the Idempotency-Key was used with another request */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    ApplicationsController_withdraw: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The application view, withdrawn */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApplicationViewDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The application is already decided */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    ApplicationsController_history: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HistoryView"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    AuditController_publicKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PublicKeyView"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    AuditController_list: {
        parameters: {
            query?: {
                /** @description Page size, 1 to 100 (default 50) */
                limit?: string;
                /** @description The `nextCursor` of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CheckpointPage"];
                };
            };
            /** @description a bad limit or cursor (problem+json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    AuditController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CheckpointView"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description not an admin (problem+json) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    AuditController_verify: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VerifyReport"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description not an admin (problem+json) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    TasksController_inbox: {
        parameters: {
            query?: {
                /** @description Page size, 1 to 100 (default 50); a page holds no more than the smallest read quota of the caller's departments, and nextCursor carries the rest */
                limit?: string;
                /** @description The nextCursor of the previous page */
                cursor?: string;
                /** @description Default open */
                status?: "open" | "approved" | "rejected" | "returned" | "cancelled";
                /** @description true: only overdue tasks; false: only tasks not overdue */
                overdue?: "true" | "false";
                /** @description true: only tasks whose autoApprove rule reads facts and has not spoken yet (kept out of the inbox until then); false or absent: the inbox without them */
                rulePending?: "true" | "false";
                /** @description mine: tasks the caller holds; none: unclaimed */
                claimed?: "mine" | "none";
                workflow?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description { items: [task view], nextCursor } */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskPageDto"];
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100, the last then counting the rest) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    TasksController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The task view */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskViewDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    TasksController_decide: {
        parameters: {
            query?: never;
            header?: {
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DecisionDto"];
            };
        };
        responses: {
            /** @description The task view after the decision (200, not 201: a decision creates nothing) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskViewDto"];
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100, the last then counting the rest) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The task is not open, this officer already signed, another officer holds it, the approval produces other values than an earlier countersignature gave, or the Idempotency-Key was used with another body */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The body is not sent as application/json in UTF-8, uncompressed */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    TasksController_claim: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskViewDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The task is not open, another officer holds it, or officers have claimed, released and transferred it 100 times (MAX_TOOLBOX_ACTS) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    TasksController_release: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskViewDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The task is not open, not claimed, held by another officer, or officers have claimed, released and transferred it 100 times (MAX_TOOLBOX_ACTS) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    TasksController_transfer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TransferDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskViewDto"];
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100, the last then counting the rest) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The task is not open, is held by another officer, that officer already holds it, or officers have claimed, released and transferred it 100 times (MAX_TOOLBOX_ACTS) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    TasksController_addSigners: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SignersDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskViewDto"];
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100, the last then counting the rest) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The task is not open, is held by another officer, or already requires that many signatures */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    HealthController_health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthDto"];
                };
            };
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthDto"];
                };
            };
        };
    };
    HealthController_live: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LivenessDto"];
                };
            };
        };
    };
    HealthController_ready: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReadinessDto"];
                };
            };
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReadinessDto"];
                };
            };
        };
    };
    MetricsController_scrape: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text exposition format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description METRICS_TOKEN is set and the request does not carry it */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    ReportsController_workflow: {
        parameters: {
            query?: {
                /** @description Applications submitted at or after this instant: a date (midnight UTC) or a date-time with an offset */
                from?: string;
                /** @description Applications submitted before this instant: a date (midnight UTC) or a date-time with an offset */
                to?: string;
            };
            header?: never;
            path: {
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The report; as CSV when asked for with `Accept: text/csv` */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowReportDto"];
                    "text/csv": string;
                };
            };
            /** @description from or to is not a date or a date-time with an offset, or to <= from */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Only administrators read reports */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No workflow with this key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    LiveController_application: {
        parameters: {
            query?: never;
            header?: {
                /** @description Resume after this history seq */
                "Last-Event-ID"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One event per history entry; the `data` of each is a HistoryEventDto, its `id` the seq. The stream ends when the caller's token stops being accepted: reconnect with a new one */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description Decided, and the client has seen every event: do not reconnect */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Not an applicant or an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The caller holds STREAMS_PER_CALLER streams open */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    LiveController_inbox: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description `ready`, then a `task` event (its `data` a TaskViewDto) whenever a task enters, changes in or leaves the inbox (a task waiting for its fact rule is out of it, and one its rule decides never enters it), `resync` after a gap, `withheld` (`{ id, retryAfterSeconds }`) for a change past the read quota. The stream ends when the caller's token stops being accepted: reconnect with a new one */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Not an officer or an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The caller holds STREAMS_PER_CALLER streams open */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    WebhooksController_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookListDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Not an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    WebhooksController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateWebhookDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedWebhookDto"];
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100, the last then counting the rest) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Not an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    WebhooksController_remove: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Not an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    WebhooksController_deliveries: {
        parameters: {
            query?: {
                /** @description Page size, 1 to 100 (default 50) */
                limit?: string;
                /** @description The nextCursor of the previous page */
                cursor?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryListDto"];
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100, the last then counting the rest) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Not an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    WebhooksController_redeliver: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                deliveryId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Not an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    RatingsController_rate: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RateDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RatingDto"];
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100, the last then counting the rest) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description A role that may not use this endpoint */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Not decided yet, or already rated */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    RatingsController_report: {
        parameters: {
            query?: {
                /** @description Only applications of this workflow key */
                workflow?: string;
                /** @description Ratings given at or after this instant */
                from?: string;
                /** @description Ratings given before this instant */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RatingsReportDto"];
                };
            };
            /** @description from or to is not a date or a date-time with an offset, or to <= from */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description A role that may not use this endpoint */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    DisclosuresController_list: {
        parameters: {
            query?: {
                /** @description Page size, 1 to 100 (default 50) */
                limit?: string;
                /** @description The nextCursor of the previous page */
                cursor?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DisclosurePageDto"];
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100, the last then counting the rest) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description A role that may not use this endpoint */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No such object, or not one this caller may see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    DisclosuresController_flows: {
        parameters: {
            query?: {
                /** @description Disclosures at or after this instant (default: a day before `to` for `hour`, 30 days for `day`) */
                from?: string;
                /** @description Disclosures before this instant (default: now) */
                to?: string;
                /** @description Default hour */
                bucket?: "hour" | "day";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FlowsDto"];
                };
            };
            /** @description Invalid input: every problem listed with its JSON path (up to 100, the last then counting the rest) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description A role that may not use this endpoint */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
    QueueDashboardController_session: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["QueueDashboardSessionDto"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description This role may not use this call */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
            /** @description The database or the queue store is unreachable for now, or a workflow version could not be compiled within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemDto"];
                };
            };
        };
    };
}
