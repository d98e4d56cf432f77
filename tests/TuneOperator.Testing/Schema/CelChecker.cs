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
    private sealed record Typed(JsonObject? Schema, bool IsRootObject = false, bool IsRootMetadata = false, string? Primitive = null)
    {
        /// <summary>The CEL type name when it is known statically (int, double, string, list...), else null (dyn).</summary>
        public string? CelTypeName => Primitive ?? Schema switch
        {
            null => IsRootMetadata ? "map" : null,
            { } s when s.IsDynamic() => null,
            { } s => s.Type() switch
            {
                "integer" => "int",
                "number" => "double",
                "boolean" => "bool",
                "array" => "list",
                "object" => s.IsStruct() ? "object" : "map",
                "string" => s.Format() switch
                {
                    "byte" => "bytes",
                    "duration" => "google.protobuf.Duration",
                    "date-time" or "datetime" or "date" => "google.protobuf.Timestamp",
                    _ => "string",
                },
                _ => null,
            },
        };
    }

    private static readonly Typed Dyn = new(null);

    private static Typed Of(string? primitive) => primitive is null ? Dyn : new Typed(null, Primitive: primitive);

    private static readonly HashSet<string> Numeric = ["int", "uint", "double"];

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
            case CelLiteral literal:
                return Of(literal.Value is null ? null : CelValues.TypeOf(literal.Value).Name);
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
                return Of("bool");
            case CelUnary unary:
                var operandType = Visit(unary.Operand, scope, consumed: true).CelTypeName;
                return unary.Operator == "!" ? Of("bool") : Of(operandType);
            case CelBinary binary:
                return CheckBinary(binary, Visit(binary.Left, scope, consumed: true).CelTypeName, Visit(binary.Right, scope, consumed: true).CelTypeName);
            case CelConditional conditional:
                Visit(conditional.Condition, scope, consumed: true);
                var thenType = Visit(conditional.Then, scope, consumed: true);
                var elseType = Visit(conditional.Otherwise, scope, consumed: true);
                return thenType.CelTypeName == elseType.CelTypeName ? Of(thenType.CelTypeName) : Dyn;
            case CelIndex index:
                var container = Visit(index.Operand, scope, consumed: false);
                Visit(index.Index, scope, consumed: true);
                if (container.CelTypeName is "object" or "int" or "uint" or "double" or "bool" or "string")
                {
                    problems.Add($"found no matching overload for '_[_]' applied to '({container.CelTypeName}, ...)'" +
                        (container.CelTypeName == "object" ? " (an object with properties is not a map; select its fields with '.')" : ""));
                    return Dyn;
                }

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

                return Of(comprehension.Macro is CelMacro.Map or CelMacro.Filter ? "list" : "bool");
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

        return Of(call.Function switch
        {
            "size" or "int" or "indexOf" or "lastIndexOf" or "getHours" or "getMinutes" or "getSeconds" or "getMilliseconds"
                or "getFullYear" or "getMonth" or "getDayOfMonth" or "getDayOfWeek" or "getDayOfYear" or "getDate" => "int",
            "matches" or "startsWith" or "endsWith" or "contains" or "isSorted" or "bool" => "bool",
            "string" or "lowerAscii" or "upperAscii" or "trim" or "join" or "replace" or "substring" or "charAt" => "string",
            "uint" => "uint",
            "double" => "double",
            "bytes" => "bytes",
            "split" => "list",
            "duration" => "google.protobuf.Duration",
            "timestamp" => "google.protobuf.Timestamp",
            _ => null,
        });
    }

    /// <summary>Rejects operators whose operand types are known and have no overload in CEL (no implicit numeric
    /// conversions: <c>1.0 + 1</c> and <c>self.rate &gt; 0</c> on a number field are errors).</summary>
    private Typed CheckBinary(CelBinary binary, string? left, string? right)
    {
        var op = binary.Operator;
        if (op is "&&" or "||")
        {
            return Of("bool");
        }

        var isRelation = op is "<" or "<=" or ">" or ">=" or "==" or "!=" or "in";
        if (op == "in" && right == "object")
        {
            problems.Add($"found no matching overload for '@in' applied to '({left ?? "dyn"}, object)' (an object with properties is not a map; use has())");
            return Of("bool");
        }

        if (left is null || right is null || op == "in")
        {
            return isRelation ? Of("bool") : Dyn;
        }

        var mixesNumbers = left != right && Numeric.Contains(left) && Numeric.Contains(right);
        var arithmeticMismatch = !isRelation && left != right
            && !(left == "google.protobuf.Timestamp" && right == "google.protobuf.Duration" && op is "+" or "-")
            && !(left == "google.protobuf.Duration" && right == "google.protobuf.Timestamp" && op == "+")
            && !(left == "google.protobuf.Timestamp" && right == "google.protobuf.Timestamp" && op == "-");
        var comparisonMismatch = isRelation && left != right;
        if (mixesNumbers || arithmeticMismatch || comparisonMismatch)
        {
            problems.Add($"found no matching overload for '_{op}_' applied to '({left}, {right})'");
            return isRelation ? Of("bool") : Dyn;
        }

        if (isRelation)
        {
            return Of("bool");
        }

        return Of(left == "google.protobuf.Timestamp" && right == "google.protobuf.Timestamp" ? "google.protobuf.Duration"
            : left == "google.protobuf.Duration" && right == "google.protobuf.Timestamp" ? right
            : left);
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
