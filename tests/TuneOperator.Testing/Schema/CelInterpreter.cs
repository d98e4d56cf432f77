namespace TuneOperator.Testing.Schema;

/// <summary>Variables in scope during evaluation: the bound variables (self, oldSelf) and macro iteration variables.</summary>
internal sealed class CelScope
{
    private readonly IReadOnlyDictionary<string, object?> variables;
    private readonly CelScope? parent;
    private readonly string? name;
    private readonly object? value;

    public CelScope(IReadOnlyDictionary<string, object?> variables)
    {
        this.variables = variables;
    }

    private CelScope(CelScope parent, string name, object? value)
    {
        variables = parent.variables;
        this.parent = parent;
        this.name = name;
        this.value = value;
    }

    public CelScope With(string variable, object? item) => new(this, variable, item);

    public bool TryGet(string variable, out object? result)
    {
        for (var scope = this; scope is not null; scope = scope.parent)
        {
            if (scope.parent is not null && scope.name == variable)
            {
                result = scope.value;
                return true;
            }
        }

        return variables.TryGetValue(variable, out result);
    }
}

/// <summary>Evaluates parsed CEL expressions with CEL's semantics: errors are values that propagate, except where
/// <c>&amp;&amp;</c>, <c>||</c>, <c>all</c> and <c>exists</c> are decided by another operand; no implicit numeric
/// conversions.</summary>
internal static class CelInterpreter
{
    public static object? Eval(CelExpr expr, CelScope scope) => expr switch
    {
        CelLiteral l => l.Value,
        CelIdent i => EvalIdent(i, scope),
        CelSelect s => EvalSelect(Eval(s.Operand, scope), s.Field),
        CelHas h => EvalHas(Eval(h.Select.Operand, scope), h.Select.Field),
        CelUnary u => EvalUnary(u.Operator, Eval(u.Operand, scope)),
        CelBinary { Operator: "&&" } b => EvalAnd(b, scope),
        CelBinary { Operator: "||" } b => EvalOr(b, scope),
        CelBinary b => CelOperators.Binary(b.Operator, Eval(b.Left, scope), Eval(b.Right, scope)),
        CelConditional c => EvalConditional(c, scope),
        CelIndex x => CelOperators.Index(Eval(x.Operand, scope), Eval(x.Index, scope)),
        CelCall c => EvalCall(c, scope),
        CelListLiteral l => EvalList(l, scope),
        CelMapLiteral m => EvalMap(m, scope),
        CelComprehension c => EvalComprehension(c, scope),
        _ => new CelError($"unsupported expression {expr.GetType().Name}"),
    };

    private static object? EvalIdent(CelIdent ident, CelScope scope)
    {
        if (scope.TryGet(ident.Name, out var value))
        {
            return value;
        }

        return CelType.Identifiers.TryGetValue(ident.Name, out var type)
            ? type
            : new CelError($"undeclared reference to '{ident.Name}'");
    }

    private static object? EvalSelect(object? operand, string field) => operand switch
    {
        CelError e => e,
        CelMap map => map.TryGet(field, out var value) ? value : new CelError($"no such key: {field}"),
        _ => new CelError($"type '{CelValues.TypeOf(operand).Name}' does not support field selection"),
    };

    private static object EvalHas(object? operand, string field) => operand switch
    {
        CelError e => e,
        CelMap map => map.TryGet(field, out _),
        _ => new CelError($"invalid type for field selection: {CelValues.TypeOf(operand).Name}"),
    };

    private static object? EvalUnary(string op, object? operand) => (op, operand) switch
    {
        (_, CelError e) => e,
        ("!", bool b) => !b,
        ("-", long l) => l == long.MinValue ? new CelError("integer overflow") : -l,
        ("-", double d) => -d,
        ("-", TimeSpan t) => -t,
        _ => CelError.NoOverload(op == "!" ? "!_" : "-_", operand),
    };

    private static object EvalAnd(CelBinary b, CelScope scope)
    {
        var left = Eval(b.Left, scope);
        if (left is false)
        {
            return false;
        }

        var right = Eval(b.Right, scope);
        if (right is false)
        {
            return false;
        }

        if (left is true && right is true)
        {
            return true;
        }

        return left as CelError ?? right as CelError ?? CelError.NoOverload("_&&_", left, right);
    }

    private static object EvalOr(CelBinary b, CelScope scope)
    {
        var left = Eval(b.Left, scope);
        if (left is true)
        {
            return true;
        }

        var right = Eval(b.Right, scope);
        if (right is true)
        {
            return true;
        }

        if (left is false && right is false)
        {
            return false;
        }

        return left as CelError ?? right as CelError ?? CelError.NoOverload("_||_", left, right);
    }

    private static object? EvalConditional(CelConditional c, CelScope scope) => Eval(c.Condition, scope) switch
    {
        true => Eval(c.Then, scope),
        false => Eval(c.Otherwise, scope),
        CelError e => e,
        var other => CelError.NoOverload("_?_:_", other),
    };

    private static object? EvalCall(CelCall call, CelScope scope)
    {
        var target = call.Target is null ? null : Eval(call.Target, scope);
        if (target is CelError targetError)
        {
            return targetError;
        }

        var args = new object?[call.Args.Count];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = Eval(call.Args[i], scope);
            if (args[i] is CelError error)
            {
                return error;
            }
        }

        return CelFunctions.Call(call.Function, call.Target is not null, target, args);
    }

    private static object EvalList(CelListLiteral list, CelScope scope)
    {
        var items = new List<object?>(list.Elements.Count);
        foreach (var element in list.Elements)
        {
            var value = Eval(element, scope);
            if (value is CelError error)
            {
                return error;
            }

            items.Add(value);
        }

        return items;
    }

    private static object EvalMap(CelMapLiteral literal, CelScope scope)
    {
        var map = new CelMap();
        foreach (var (keyExpr, valueExpr) in literal.Entries)
        {
            var key = Eval(keyExpr, scope);
            if (key is CelError keyError)
            {
                return keyError;
            }

            if (key is not (string or long or ulong or bool))
            {
                return new CelError($"unsupported map key type: {CelValues.TypeOf(key).Name}");
            }

            var value = Eval(valueExpr, scope);
            if (value is CelError valueError)
            {
                return valueError;
            }

            if (!map.TryAdd(key, value))
            {
                return new CelError($"Failed with repeated key: {key}");
            }
        }

        return map;
    }

    private static object EvalComprehension(CelComprehension c, CelScope scope)
    {
        var range = Eval(c.Range, scope);
        IEnumerable<object?> items;
        switch (range)
        {
            case CelError e:
                return e;
            case IReadOnlyList<object?> list:
                items = list;
                break;
            case CelMap map:
                items = map.Keys;
                break;
            default:
                return new CelError($"expression of type '{CelValues.TypeOf(range).Name}' cannot be range of a comprehension (must be list, map, or dynamic)");
        }

        var macroName = c.Macro switch
        {
            CelMacro.All => "all",
            CelMacro.Exists => "exists",
            CelMacro.ExistsOne => "exists_one",
            CelMacro.Map => "map",
            _ => "filter",
        };
        CelError? deferred = null;
        var count = 0;
        var results = new List<object?>();
        foreach (var item in items)
        {
            var inner = scope.With(c.Variable, item);
            var predicate = c.Predicate is null ? true : Eval(c.Predicate, inner);
            switch (c.Macro)
            {
                case CelMacro.All:
                    if (predicate is false)
                    {
                        return false;
                    }

                    if (predicate is not true)
                    {
                        deferred ??= predicate as CelError ?? CelError.NoOverload(macroName, predicate);
                    }

                    break;
                case CelMacro.Exists:
                    if (predicate is true)
                    {
                        return true;
                    }

                    if (predicate is not false)
                    {
                        deferred ??= predicate as CelError ?? CelError.NoOverload(macroName, predicate);
                    }

                    break;
                default:
                    if (predicate is CelError error)
                    {
                        return error;
                    }

                    if (predicate is not bool passed)
                    {
                        return CelError.NoOverload(macroName, predicate);
                    }

                    if (!passed)
                    {
                        break;
                    }

                    count++;
                    if (c.Macro == CelMacro.Map)
                    {
                        var transformed = Eval(c.Transform!, inner);
                        if (transformed is CelError transformError)
                        {
                            return transformError;
                        }

                        results.Add(transformed);
                    }
                    else if (c.Macro == CelMacro.Filter)
                    {
                        results.Add(item);
                    }

                    break;
            }
        }

        return c.Macro switch
        {
            CelMacro.All => deferred ?? (object)true,
            CelMacro.Exists => deferred ?? (object)false,
            CelMacro.ExistsOne => count == 1,
            _ => results,
        };
    }
}
