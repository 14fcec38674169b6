/**
 * Publishes the pipeline's domain events (Mlops.*) as CloudEvents 1.0 to an Event Grid topic with
 * @azure/eventgrid, when EVENTGRID_TOPIC_ENDPOINT is set (with EVENTGRID_TOPIC_KEY, or Entra ID without
 * it); a no-op otherwise.
 * Domain code depends on the EventPublisher interface only.
 */
import { AzureKeyCredential, EventGridPublisherClient, type EventGridPublisherClientOptions } from '@azure/eventgrid';
import { DefaultAzureCredential } from '@azure/identity';

export interface DomainEvent<T = unknown> {
  /** e.g. Mlops.DatasetRegistered */
  type: string;
  /** What the event is about, e.g. datasets/bank/versions/2 */
  subject: string;
  data: T;
  /**
   * Deterministic ids let consumers drop duplicates: a retried step publishes the same id again
   * (Event Grid delivery is at-least-once anyway). Random when absent.
   */
  id?: string;
  time?: Date;
}

export interface EventPublisher {
  readonly enabled: boolean;
  publish(events: DomainEvent[]): Promise<void>;
}

export class EventPublishError extends Error {
  readonly code = 'EVENT_PUBLISH_FAILED';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'EventPublishError';
  }
}

export const noopPublisher: EventPublisher = { enabled: false, publish: async () => undefined };

export interface EventGridSettings {
  endpoint: string;
  /** The topic's access key; absent = Entra ID (DefaultAzureCredential, e.g. the app's managed identity). */
  key?: string;
  /** CloudEvents `source`: EVENTGRID_EVENT_SOURCE, else /mlops/{WEBSITE_SITE_NAME or "local"}. */
  source: string;
}

/**
 * EVENTGRID_TOPIC_ENDPOINT + EVENTGRID_TOPIC_KEY: key auth. EVENTGRID_TOPIC_ENDPOINT alone: Entra ID
 * (DefaultAzureCredential; AZURE_CLIENT_ID picks a user-assigned identity), which is what infra/ deploys
 * (no keys; the identity has EventGrid Data Sender). No endpoint: events off.
 */
export function eventGridSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): EventGridSettings | undefined {
  const endpoint = env.EVENTGRID_TOPIC_ENDPOINT?.trim();
  const key = env.EVENTGRID_TOPIC_KEY?.trim();
  if (!endpoint) return undefined;
  return { endpoint, ...(key ? { key } : {}), source: env.EVENTGRID_EVENT_SOURCE?.trim() || `/mlops/${env.WEBSITE_SITE_NAME || 'local'}` };
}

export function createEventGridPublisher(settings: EventGridSettings, clientOptions: EventGridPublisherClientOptions = {}): EventPublisher {
  const credential = settings.key ? new AzureKeyCredential(settings.key) : new DefaultAzureCredential();
  const client = new EventGridPublisherClient(settings.endpoint, 'CloudEvent', credential, {
    retryOptions: { maxRetries: 3 },
    ...clientOptions,
  });
  return {
    enabled: true,
    async publish(events) {
      if (events.length === 0) return;
      try {
        await client.send(
          events.map((e) => ({
            type: e.type,
            source: settings.source,
            subject: e.subject,
            data: e.data,
            datacontenttype: 'application/json',
            ...(e.id ? { id: e.id } : {}),
            ...(e.time ? { time: e.time } : {}),
          })),
        );
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        // The SDK's message never includes the key; the endpoint is not a secret.
        throw new EventPublishError(`publishing ${events.map((e) => e.type).join(', ')} to ${settings.endpoint} failed: ${(err as Error).message}`, status);
      }
    },
  };
}

/** The publisher configured by the environment: Event Grid when both settings are present, else a no-op. */
export function eventPublisherFromEnv(env: NodeJS.ProcessEnv = process.env, clientOptions?: EventGridPublisherClientOptions): EventPublisher {
  const s = eventGridSettingsFromEnv(env);
  return s ? createEventGridPublisher(s, clientOptions) : noopPublisher;
}
