import * as fs from 'fs';
import * as path from 'path';
import { CfnElement, CfnResource, PolicyValidationStack, Stack } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { CfnTemplate, CfnTemplateResource, Control, evaluate, RefKind, subjectOf, TemplateView, templateView } from '../controls';

/**
 * How the rules of the pack read a resource: as the template holds it, so that escape hatches
 * (`addPropertyOverride`, `addOverride`) and CloudFormation-cased raw properties count exactly like
 * construct properties, and the verdict is the report's (both run the control's check on the same
 * template data). Internal: not exported from the package.
 *
 * - When the pack runs as a policy validation plugin, CDK has written the templates already and
 *   passes their paths (`IPolicyValidationContext.stackTemplates`): the rules read those files.
 * - Otherwise (`validateScope(stack)` in tests, a rule called directly, nested stacks, whose
 *   templates are assets), the template is rendered from the construct tree.
 */
export class TemplateSource {
  private readonly views = new Map<Stack, TemplateView>();

  /**
   * @param templateFiles synthesized template file by stack construct path, when the templates are written
   */
  constructor(private readonly templateFiles: ReadonlyMap<string, string> = new Map()) {}

  /** The verdict of `control` on `node`: NOT_APPLICABLE for a type the control does not check. */
  public evaluate(control: Control, node: CfnResource): NagRuleCompliance {
    if (!control.resourceTypes.includes(node.cfnResourceType)) {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
    const stack = Stack.of(node);
    const logicalId = stack.resolve(node.logicalId) as string;
    const view = this.viewOf(stack);
    const resource = (view instanceof ConstructTreeView ? view.resourceOf(node, logicalId) : view.resource(logicalId)) ?? renderFromConstruct(node);
    return evaluate(control, subjectOf(logicalId, resource, view));
  }

  /** The template of a stack, read once per source. */
  private viewOf(stack: Stack): TemplateView {
    let view = this.views.get(stack);
    if (!view) {
      const file = this.templateFiles.get(stack.node.path);
      view = file !== undefined && fs.existsSync(file)
        ? templateView(JSON.parse(fs.readFileSync(file, 'utf-8')) as CfnTemplate)
        : new ConstructTreeView(stack);
      this.views.set(stack, view);
    }
    return view;
  }
}

/**
 * A rule function of the pack derived from a control, named after it (the rule ID suffix). Called
 * on its own, it renders what it needs of the node's stack for that call.
 */
export function nagRule(control: Control): (node: CfnResource) => NagRuleCompliance {
  const rule = (node: CfnResource) => new TemplateSource().evaluate(control, node);
  return Object.defineProperty(rule, 'name', { value: control.id });
}

/** The synthesized template file of every stack of a validation pass, by stack construct path. */
export function templateFilesOf(stackTemplates: readonly PolicyValidationStack[]): Map<string, string> {
  return new Map(stackTemplates.map((s) => [s.stackConstructPath, path.resolve(s.templatePath)]));
}

/** The template of a stack that is not synthesized (yet): each element rendered from the construct tree, when asked for. */
class ConstructTreeView implements TemplateView {
  private elements?: Map<string, CfnElement>;
  private readonly rendered = new Map<string, CfnTemplateResource>();

  constructor(private readonly stack: Stack) {}

  public refKind(logicalId: string): RefKind {
    if (logicalId.startsWith('AWS::')) {
      return 'pseudo';
    }
    const element = this.index().get(logicalId);
    if (element === undefined) {
      return 'unknown';
    }
    // Only resources and parameters can be the target of a Ref.
    return CfnResource.isCfnResource(element) ? 'resource' : 'parameter';
  }

  public resource(logicalId: string): CfnTemplateResource | undefined {
    const element = this.index().get(logicalId);
    if (element === undefined || !CfnResource.isCfnResource(element)) {
      return undefined;
    }
    return this.resourceOf(element, logicalId);
  }

  /** A resource of the stack, rendered once (without looking the stack up: most checks need nothing else). */
  public resourceOf(node: CfnResource, logicalId: string): CfnTemplateResource {
    let resource = this.rendered.get(logicalId);
    if (!resource) {
      resource = renderFromConstruct(node);
      this.rendered.set(logicalId, resource);
    }
    return resource;
  }

  public resourcesOfType(type: string): Array<[string, CfnTemplateResource]> {
    return [...this.index()]
      .filter(([, e]) => CfnResource.isCfnResource(e) && e.cfnResourceType === type)
      .map(([id]) => [id, this.resource(id)!]);
  }

  /** The CloudFormation elements of the stack (not of its nested stacks) by logical ID, found once. */
  private index(): Map<string, CfnElement> {
    if (!this.elements) {
      this.elements = new Map();
      for (const construct of this.stack.node.findAll()) {
        if (CfnElement.isCfnElement(construct) && Stack.of(construct) === this.stack) {
          this.elements.set(this.stack.resolve(construct.logicalId), construct);
        }
      }
    }
    return this.elements;
  }
}

/**
 * Renders one resource as it will be written to the template, overrides included.
 *
 * The one use of aws-cdk-lib internals in the pack, and only for templates that are not written:
 * `CfnResource` renders its properties in the protected `cfnProperties` / `renderProperties` and
 * applies raw overrides only in the `@internal` `_toCloudFormation()`; no public API returns a
 * resource's CloudFormation (`inspect()` gives the typed props without overrides). When the pack
 * runs at synth, the rules read the written template instead.
 */
function renderFromConstruct(node: CfnResource): CfnTemplateResource {
  const stack = Stack.of(node);
  const rendered = stack.resolve(node._toCloudFormation()) as { Resources?: { [id: string]: any } };
  const resources = rendered?.Resources ?? {};
  const definition = resources[stack.resolve(node.logicalId)] ?? Object.values(resources)[0] ?? {};
  return { Type: node.cfnResourceType, ...definition };
}
