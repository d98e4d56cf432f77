using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Schema;

/// <summary>The static check kube-apiserver does on a rule when the CRD is created: every field the rule selects
/// must exist in the schema, functions must exist, <c>oldSelf</c> only where transition rules are allowed; plus a
/// conservative cost check: a rule that reads a string without maxLength, an array without maxItems or a map without
/// maxProperties, or that runs once per item of such an array or map, is reported, because the API server's cost
/// estimator assumes megabyte sizes for them and would likely reject the rule.</summary>
internal sealed class CelChecker
{
    private readonly JsonObject nodeSchema;
    private readonly bool isRoot;
    private readonly bool transitionAllowed;
    private readonly List<string> problems = [];
    private readonly List<string> costProblems = [];

    private CelChecker(JsonObject nodeSchema, bool isRoot, bool transitionAllowed)
    {
        this.nodeSchema = nodeSchema;
        this.isRoot = isRoot;
        this.transitionAllowed = transitionAllowed;
    }

    /// <summary>A type known to the checker: a schema node (null schema: dynamic), and whether it is the root object.</summary>
    private sealed record Typed(JsonObject? Schema, bool IsRootObject = false, bool IsRootMetadata = false);

    private static readonly Typed Dyn = new(null);

    /// <summary>Checks <paramref name="expression"/> bound at <paramref name="nodeSchema"/>. Returns the type
    /// problems and the cost problems (empty when fine).</summary>
    public static (IReadOnlyList<string> Problems, IReadOnlyList<string> CostProblems) Check(
        CelExpression expression, JsonObject nodeSchema, bool isRoot, bool transitionAllowed)
    {
        var checker = new CelChecker(nodeSchema, isRoot, transitionAllowed);
        var scope = new Dictionary<string, Typed>(StringComparer.Ordinal)
        {
            ["self"] = new(nodeSchema, isRoot),
            ["oldSelf"] = new(nodeSchema, isRoot),
        };
        checker.Visit(expression.Root, scope, consumed: true);
        return (checker.problems.Distinct().ToList(), checker.costProblems.Distinct().ToList());
    }

    private Typed Visit(CelExpr expr, IReadOnlyDictionary<string, Typed> scope, bool consumed)
    {
        var type = VisitInner(expr, scope);
        if (consumed)
        {
            ReportUnbounded(type.Schema, Describe(expr));
        }

        return type;
    }

    private Typed VisitInner(CelExpr expr, IReadOnlyDictionary<string, Typed> scope)
    {
        switch (expr)
        {
            case CelLiteral:
                return Dyn;
            case CelIdent ident:
                if (ident.Name == "oldSelf" && !transitionAllowed)
                {
                    problems.Add("oldSelf cannot be used on the uncorrelatable portion of the schema (items of an array that is not x-kubernetes-list-type: map)");
                }

                if (scope.TryGetValue(ident.Name, out var bound))
                {
                    return bound;
                }

                if (!CelType.Identifiers.ContainsKey(ident.Name))
                {
                    problems.Add($"undeclared reference to '{ident.Name}'");
                }

                return Dyn;
            case CelSelect select:
                return SelectField(Visit(select.Operand, scope, consumed: false), select.Field);
            case CelHas has:
                SelectField(Visit(has.Select.Operand, scope, consumed: false), has.Select.Field);
                return Dyn;
            case CelUnary unary:
                Visit(unary.Operand, scope, consumed: true);
                return Dyn;
            case CelBinary binary:
                Visit(binary.Left, scope, consumed: true);
                Visit(binary.Right, scope, consumed: true);
                return Dyn;
            case CelConditional conditional:
                Visit(conditional.Condition, scope, consumed: true);
                Visit(conditional.Then, scope, consumed: true);
                Visit(conditional.Otherwise, scope, consumed: true);
                return Dyn;
            case CelIndex index:
                var container = Visit(index.Operand, scope, consumed: false);
                Visit(index.Index, scope, consumed: true);
                return container.Schema switch
                {
                    null => Dyn,
                    { } s when s.IsDynamic() => Dyn,
                    { } s when s.Items() is { } items => new Typed(items),
                    { } s when s.IsMap() => new Typed(s.AdditionalProperties()),
                    _ => Dyn,
                };
            case CelCall call:
                return VisitCall(call, scope);
            case CelListLiteral list:
                foreach (var element in list.Elements)
                {
                    Visit(element, scope, consumed: true);
                }

                return Dyn;
            case CelMapLiteral map:
                foreach (var (key, value) in map.Entries)
                {
                    Visit(key, scope, consumed: true);
                    Visit(value, scope, consumed: true);
                }

                return Dyn;
            case CelComprehension comprehension:
                var range = Visit(comprehension.Range, scope, consumed: false);
                var itemType = Dyn;
                if (range.Schema is { } rs && !rs.IsDynamic())
                {
                    if (rs.Items() is { } items)
                    {
                        itemType = new Typed(items);
                        if (rs.Long("maxItems") is null)
                        {
                            costProblems.Add($"{Describe(comprehension.Range)} is an array without maxItems that the rule iterates over");
                        }
                    }
                    else if (rs.IsMap())
                    {
                        itemType = new Typed(new JsonObject { ["type"] = "string", ["maxLength"] = 253 });
                        if (rs.Long("maxProperties") is null)
                        {
                            costProblems.Add($"{Describe(comprehension.Range)} is a map without maxProperties that the rule iterates over");
                        }
                    }
                    else if (rs.IsStruct() || rs.Type() is not ("array" or "object"))
                    {
                        problems.Add($"expression of type '{rs.Type()}' cannot be range of a comprehension (must be list, map, or dynamic)");
                    }
                }

                var inner = new Dictionary<string, Typed>(scope, StringComparer.Ordinal) { [comprehension.Variable] = itemType };
                if (comprehension.Predicate is not null)
                {
                    Visit(comprehension.Predicate, inner, consumed: true);
                }

                if (comprehension.Transform is not null)
                {
                    Visit(comprehension.Transform, inner, consumed: true);
                }

                return Dyn;
            default:
                return Dyn;
        }
    }

    private Typed VisitCall(CelCall call, IReadOnlyDictionary<string, Typed> scope)
    {
        var known = call.Target is null ? CelFunctions.Global.Contains(call.Function) : CelFunctions.Methods.Contains(call.Function);
        if (!known)
        {
            problems.Add(call.Target is null || !CelFunctions.Global.Contains(call.Function)
                ? $"undeclared reference to '{call.Function}'"
                : $"function '{call.Function}' cannot be called as a method");
        }

        // size() costs O(1); every other function reads its operands.
        var readsOperands = call.Function != "size";
        if (call.Target is not null)
        {
            Visit(call.Target, scope, consumed: readsOperands);
        }

        foreach (var arg in call.Args)
        {
            Visit(arg, scope, consumed: readsOperands);
        }

        return Dyn;
    }

    private Typed SelectField(Typed operand, string field)
    {
        if (operand.IsRootMetadata)
        {
            if (field is not ("name" or "generateName"))
            {
                problems.Add($"undefined field '{field}' (rules at the root can only read metadata.name and metadata.generateName)");
            }

            return new Typed(nodeSchema.Property("metadata")?.Property(field) ?? new JsonObject { ["type"] = "string", ["maxLength"] = 253 });
        }

        if (operand.Schema is not { } schema || schema.IsDynamic())
        {
            return Dyn;
        }

        if (operand.IsRootObject && field is "apiVersion" or "kind" or "metadata" && schema.Property(field) is null)
        {
            return field == "metadata"
                ? new Typed(null, IsRootMetadata: true)
                : new Typed(new JsonObject { ["type"] = "string", ["maxLength"] = 253 });
        }

        if (schema.IsMap())
        {
            return new Typed(schema.AdditionalProperties());
        }

        if (schema.Properties() is { } properties)
        {
            foreach (var (name, propertySchema) in properties)
            {
                if (CelJson.EscapeFieldName(name) == field)
                {
                    return new Typed(propertySchema as JsonObject);
                }
            }

            problems.Add($"undefined field '{field}'");
            return Dyn;
        }

        if (schema.PreserveUnknown() || schema.Type() == "object")
        {
            if (!schema.PreserveUnknown())
            {
                problems.Add($"undefined field '{field}'");
            }

            return Dyn;
        }

        problems.Add($"type '{schema.Type()}' does not support field selection");
        return Dyn;
    }

    /// <summary>Reports every unbounded string, array or map in the value a rule reads as a whole.</summary>
    private void ReportUnbounded(JsonObject? schema, string what)
    {
        if (schema is null || schema.IsDynamic())
        {
            return;
        }

        switch (schema.Type())
        {
            case "string" when schema["enum"] is null && schema.Long("maxLength") is null && schema.Format() is not ("date-time" or "date" or "duration" or "int32" or "int64"):
                costProblems.Add($"{what} reads a string without maxLength");
                break;
            case "array":
                if (schema.Long("maxItems") is null)
                {
                    costProblems.Add($"{what} reads an array without maxItems");
                }

                ReportUnbounded(schema.Items(), what + "[*]");
                break;
            case "object" when schema.IsMap():
                if (schema.Long("maxProperties") is null)
                {
                    costProblems.Add($"{what} reads a map without maxProperties");
                }

                ReportUnbounded(schema.AdditionalProperties(), what + "[*]");
                break;
            case "object" when schema.Properties() is { } properties:
                foreach (var (name, propertySchema) in properties)
                {
                    ReportUnbounded(propertySchema as JsonObject, what + "." + name);
                }

                break;
        }
    }

    private static string Describe(CelExpr expr) => expr switch
    {
        CelIdent i => i.Name,
        CelSelect s => Describe(s.Operand) + "." + s.Field,
        CelIndex x => Describe(x.Operand) + "[...]",
        CelCall c when c.Target is not null => Describe(c.Target) + "." + c.Function + "()",
        CelCall c => c.Function + "()",
        _ => "an expression",
    };
}
