import { isPlainObject, RefKind, RefResolver } from './cfn-values';

/** A CloudFormation template, as synthesized. */
export interface CfnTemplate {
  readonly Resources?: { readonly [logicalId: string]: CfnTemplateResource };
  readonly Parameters?: { readonly [logicalId: string]: unknown };
  readonly [key: string]: unknown;
}

/** One resource of a template. */
export interface CfnTemplateResource {
  readonly Type: string;
  readonly Properties?: { readonly [key: string]: any };
  readonly Metadata?: { readonly [key: string]: any };
  readonly DeletionPolicy?: unknown;
  readonly UpdateReplacePolicy?: unknown;
  readonly [key: string]: unknown;
}

/**
 * The template a control reads, with the lookups the checks need beyond the resource itself (what
 * a `Ref` points at, the other resources of a type). The report reads a synthesized template; the
 * rule pack reads the synthesized template or, before synthesis, renders the construct tree.
 */
export interface TemplateView extends RefResolver {
  /** The resource with this logical ID, as written in the template; undefined when the template has none. */
  resource(logicalId: string): CfnTemplateResource | undefined;
  /** Every resource of a CloudFormation type, as `[logicalId, resource]` in template order. */
  resourcesOfType(type: string): Array<[string, CfnTemplateResource]>;
}

/** A view over a template document. */
export function templateView(template: CfnTemplate): TemplateView {
  const resources = isPlainObject(template.Resources) ? template.Resources : {};
  const parameters = isPlainObject(template.Parameters) ? template.Parameters : {};
  return {
    refKind(logicalId: string): RefKind {
      if (logicalId.startsWith('AWS::')) return 'pseudo';
      if (Object.prototype.hasOwnProperty.call(resources, logicalId)) return 'resource';
      if (Object.prototype.hasOwnProperty.call(parameters, logicalId)) return 'parameter';
      return 'unknown';
    },
    resource(logicalId: string): CfnTemplateResource | undefined {
      return Object.prototype.hasOwnProperty.call(resources, logicalId) ? resources[logicalId] : undefined;
    },
    resourcesOfType(type: string): Array<[string, CfnTemplateResource]> {
      return Object.entries(resources).filter(([, r]) => r?.Type === type);
    },
  };
}
