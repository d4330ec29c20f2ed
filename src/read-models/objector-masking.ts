/**
 * The one place that decides who sees an objector's identity, used by every read that can show
 * an ObjectionReceived or ObjectionNotAdmitted event: GET /api/applications/{id}/events, the audit history, the audit
 * export and the objection log.
 *
 * Rule: the identity (name, contact) is shown only to the role that handles objections under the
 * application's policy version (policy.objections.handledBy: the office, 朝阳 第二十一、二十五条;
 * the supervision group, 忻州 第二十七条), or to anyone allowed on the endpoint when the objector
 * agreed to disclosure (朝阳 第二十五条 "确实需要公开的，应当事前征求异议者的意见"). Admin is not a
 * handler for this purpose: it operates the system, it does not handle objections.
 *
 * Whether the objection was anonymous and whether consent was given are not identity and stay
 * visible. Error messages and logs never carry the identity: nothing here throws with it.
 */
import type { Objector } from '../../workflows/application/events.js';
import type { ObjectionPolicy } from '../../workflows/policy/policy.types.js';

export interface Viewer {
  roles: readonly string[];
}

/** The part of the policy the rule reads. */
export type ObjectorRule = Pick<ObjectionPolicy, 'handledBy' | 'confidentialityArticle'>;

/** What a viewer without the right sees instead of the identity. */
export interface MaskedObjector {
  anonymous: boolean;
  consentToDisclose: boolean;
  masked: true;
  /** Where the confidentiality comes from, e.g. '第二十五条'. */
  confidentialityArticle: string;
}

export type ShownObjector = Objector | MaskedObjector;

/** Fields of an objection event's objector that identify the person. */
export const IDENTITY_FIELDS = ['name', 'contact'] as const;

export function maySeeObjectorIdentity(viewer: Viewer, rule: ObjectorRule, objector: Pick<Objector, 'consentToDisclose'>): boolean {
  return objector.consentToDisclose === true || viewer.roles.includes(rule.handledBy);
}

/** An anonymous objection (忻州 第二十七条 allows it) carries nothing to hide. */
export function hasIdentity(objector: Objector): boolean {
  return IDENTITY_FIELDS.some((field) => objector[field] !== undefined);
}

export function maskObjector(objector: Objector, viewer: Viewer, rule: ObjectorRule): ShownObjector {
  if (!hasIdentity(objector) || maySeeObjectorIdentity(viewer, rule, objector)) return objector;
  return {
    anonymous: objector.anonymous === true,
    consentToDisclose: objector.consentToDisclose === true,
    masked: true,
    confidentialityArticle: rule.confidentialityArticle,
  };
}

/** True when the event carries an identity this viewer may not see. */
export function isMaskedFor(event: { type: string; data: unknown }, viewer: Viewer, rule: ObjectorRule): boolean {
  const objector = objectorOf(event);
  return objector !== undefined && hasIdentity(objector) && !maySeeObjectorIdentity(viewer, rule, objector);
}

/**
 * The event as this viewer may see it: an objection event's objector masked when needed, every
 * other event (and every other field) unchanged. Never mutates its argument.
 */
export function maskEvent<E extends { type: string; data: unknown }>(event: E, viewer: Viewer, rule: ObjectorRule): E {
  const objector = objectorOf(event);
  if (objector === undefined) return event;
  const shown = maskObjector(objector, viewer, rule);
  if (shown === objector) return event;
  return { ...event, data: { ...(event.data as Record<string, unknown>), objector: shown } };
}

function objectorOf(event: { type: string; data: unknown }): Objector | undefined {
  // Both carry the objector as received: an objection not admitted (朝阳 第二十条) is as confidential.
  if ((event.type !== 'ObjectionReceived' && event.type !== 'ObjectionNotAdmitted') || event.data === null || typeof event.data !== 'object') return undefined;
  const objector = (event.data as { objector?: unknown }).objector;
  return objector !== null && typeof objector === 'object' ? (objector as Objector) : undefined;
}
