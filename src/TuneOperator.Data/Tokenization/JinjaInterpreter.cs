using System.Globalization;
using System.Text;

namespace TuneOperator.Data.Tokenization;

/// <summary>An error raised while evaluating; converted into a <see cref="JinjaTemplateException"/> with the position.</summary>
internal sealed class JinjaRuntimeError(string message) : Exception(message);

/// <summary>Executes parsed Jinja nodes with Python/Jinja2 semantics for values, filters, tests and methods.</summary>
internal sealed class JinjaInterpreter(string source, Dictionary<string, object?> variables)
{
    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    public string Render(IReadOnlyList<JinjaNode> nodes)
    {
        var globals = new Scope(null);
        globals.Set("range", (JinjaFunction)Range);
        globals.Set("namespace", (JinjaFunction)((positional, named) =>
        {
            var ns = new JinjaNamespace();
            foreach (var item in positional)
            {
                if (item is Dictionary<string, object?> initial)
                {
                    foreach (var (key, value) in initial)
                    {
                        ns.Values[key] = value;
                    }
                }
            }

            foreach (var (key, value) in named)
            {
                ns.Values[key] = value;
            }

            return ns;
        }));
        globals.Set("raise_exception", (JinjaFunction)((positional, _) =>
            throw new JinjaRuntimeError("raise_exception: " + (positional.Count > 0 ? JinjaValues.ToText(positional[0]) : "the template raised an error"))));
        globals.Set("dict", (JinjaFunction)((_, named) => named.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal)));
        var scope = new Scope(globals);
        foreach (var (name, value) in variables)
        {
            scope.Set(name, value);
        }

        var output = new StringBuilder();
        Execute(nodes, scope, output);
        return output.ToString();
    }

    private Flow Execute(IReadOnlyList<JinjaNode> nodes, Scope scope, StringBuilder output)
    {
        foreach (var node in nodes)
        {
            var flow = ExecuteNode(node, scope, output);
            if (flow != Flow.Normal)
            {
                return flow;
            }
        }

        return Flow.Normal;
    }

    private Flow ExecuteNode(JinjaNode node, Scope scope, StringBuilder output)
    {
        switch (node)
        {
            case TextNode text:
                output.Append(text.Text);
                return Flow.Normal;
            case OutputNode value:
                output.Append(JinjaValues.ToText(Evaluate(value.Value, scope)));
                return Flow.Normal;
            case IfNode conditional:
                foreach (var (condition, body) in conditional.Branches)
                {
                    if (JinjaValues.IsTrue(Evaluate(condition, scope)))
                    {
                        return Execute(body, scope, output);
                    }
                }

                return Execute(conditional.Otherwise, scope, output);
            case ForNode loop:
                ExecuteFor(loop, scope, output);
                return Flow.Normal;
            case SetNode set:
                ExecuteSet(set, scope);
                return Flow.Normal;
            case BlockNode block:
                return Execute(block.Body, scope, output);
            case LoopControlNode control:
                return control.IsBreak ? Flow.Break : Flow.Continue;
            default:
                throw Error(node.At, "unknown template node.");
        }
    }

    private void ExecuteFor(ForNode loop, Scope scope, StringBuilder output)
    {
        var iterable = Evaluate(loop.Iterable, scope);
        var items = Iterate(iterable, loop.Iterable.At);
        var loopScope = new Scope(scope);
        if (loop.Filter is not null)
        {
            items = [.. items.Where(item =>
            {
                Bind(loop, loopScope, item);
                return JinjaValues.IsTrue(Evaluate(loop.Filter, loopScope));
            })];
        }

        if (items.Count == 0)
        {
            Execute(loop.Otherwise, scope, output);
            return;
        }

        for (var i = 0; i < items.Count; i++)
        {
            Bind(loop, loopScope, items[i]);
            var index = i;
            var info = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["index"] = (long)(i + 1),
                ["index0"] = (long)i,
                ["revindex"] = (long)(items.Count - i),
                ["revindex0"] = (long)(items.Count - i - 1),
                ["first"] = i == 0,
                ["last"] = i == items.Count - 1,
                ["length"] = (long)items.Count,
                ["previtem"] = i > 0 ? items[i - 1] : JinjaUndefined.Instance,
                ["nextitem"] = i < items.Count - 1 ? items[i + 1] : JinjaUndefined.Instance,
                ["cycle"] = (JinjaFunction)((positional, _) => positional.Count == 0 ? JinjaUndefined.Instance : positional[index % positional.Count]),
            };
            loopScope.Set("loop", info);
            if (Execute(loop.Body, loopScope, output) == Flow.Break)
            {
                break;
            }
        }
    }

    private void Bind(ForNode loop, Scope scope, object? item)
    {
        if (loop.Targets.Count == 1)
        {
            scope.Set(loop.Targets[0], item);
            return;
        }

        var values = item as List<object?> ?? throw Error(loop.At, $"cannot unpack {Describe(item)} into {loop.Targets.Count} loop variables.");
        if (values.Count != loop.Targets.Count)
        {
            throw Error(loop.At, $"cannot unpack {values.Count} values into {loop.Targets.Count} loop variables.");
        }

        for (var i = 0; i < values.Count; i++)
        {
            scope.Set(loop.Targets[i], values[i]);
        }
    }

    private void ExecuteSet(SetNode set, Scope scope)
    {
        object? value;
        if (set.Body is not null)
        {
            var captured = new StringBuilder();
            Execute(set.Body, new Scope(scope), captured);
            value = captured.ToString();
        }
        else
        {
            value = Evaluate(set.Value!, scope);
        }

        Assign(set.Target, value, scope);
    }

    private void Assign(JinjaExpression target, object? value, Scope scope)
    {
        switch (target)
        {
            case NameExpression name:
                scope.Set(name.Name, value);
                break;
            case AttributeExpression attribute:
                var owner = Evaluate(attribute.Target, scope);
                if (owner is not JinjaNamespace ns)
                {
                    throw Error(attribute.At, $"only attributes of a namespace() can be assigned, not of {Describe(owner)}.");
                }

                ns.Values[attribute.Name] = value;
                break;
            case ListExpression list:
                var values = value as List<object?> ?? throw Error(list.At, $"cannot unpack {Describe(value)}.");
                if (values.Count != list.Items.Count)
                {
                    throw Error(list.At, $"cannot unpack {values.Count} values into {list.Items.Count} names.");
                }

                for (var i = 0; i < values.Count; i++)
                {
                    Assign(list.Items[i], values[i], scope);
                }

                break;
            default:
                throw Error(target.At, "a set statement can assign a name, a namespace attribute or a tuple of names.");
        }
    }

    private object? Evaluate(JinjaExpression expression, Scope scope)
    {
        try
        {
            return EvaluateCore(expression, scope);
        }
        catch (JinjaRuntimeError error)
        {
            throw Error(expression.At, error.Message);
        }
    }

    private object? EvaluateCore(JinjaExpression expression, Scope scope)
    {
        switch (expression)
        {
            case LiteralExpression literal:
                return literal.Value;
            case NameExpression name:
                return scope.Lookup(name.Name);
            case ListExpression list:
                return list.Items.Select(item => Evaluate(item, scope)).ToList();
            case DictExpression dict:
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in dict.Items)
                {
                    result[JinjaValues.ToText(Evaluate(key, scope))] = Evaluate(value, scope);
                }

                return result;
            case AttributeExpression attribute:
                return GetAttribute(Evaluate(attribute.Target, scope), attribute.Name);
            case IndexExpression item:
                return GetItem(Evaluate(item.Target, scope), Evaluate(item.Index, scope));
            case SliceExpression slice:
                return Slice(
                    Evaluate(slice.Target, scope),
                    slice.Start is null ? null : Evaluate(slice.Start, scope),
                    slice.Stop is null ? null : Evaluate(slice.Stop, scope),
                    slice.Step is null ? null : Evaluate(slice.Step, scope));
            case CallExpression call:
                return EvaluateCall(call, scope);
            case FilterExpression filter:
                var (filterPositional, filterNamed) = EvaluateArguments(filter.Arguments, scope);
                return JinjaBuiltins.Filter(filter.Name, Evaluate(filter.Target, scope), filterPositional, filterNamed);
            case TestExpression test:
                var (testPositional, _) = EvaluateArguments(test.Arguments, scope);
                return JinjaBuiltins.Test(test.Name, Evaluate(test.Target, scope), testPositional) != test.Negated;
            case UnaryExpression unary:
                var operand = Evaluate(unary.Operand, scope);
                return unary.Operator switch
                {
                    "not" => !JinjaValues.IsTrue(operand),
                    "-" => operand is long l ? (object)(-l) : -Number(operand, "-"),
                    _ => operand is long or double ? operand : Number(operand, "+"),
                };
            case BinaryExpression binary:
                return EvaluateBinary(binary, scope);
            case ConditionalExpression conditional:
                return JinjaValues.IsTrue(Evaluate(conditional.Condition, scope))
                    ? Evaluate(conditional.WhenTrue, scope)
                    : conditional.WhenFalse is null ? JinjaUndefined.Instance : Evaluate(conditional.WhenFalse, scope);
            default:
                throw new JinjaRuntimeError("unknown expression.");
        }
    }

    private object? EvaluateCall(CallExpression call, Scope scope)
    {
        var (positional, named) = EvaluateArguments(call.Arguments, scope);
        if (call.Target is AttributeExpression method)
        {
            var owner = Evaluate(method.Target, scope);
            if (owner is Dictionary<string, object?> dict && dict.TryGetValue(method.Name, out var member) && member is JinjaFunction bound)
            {
                return bound(positional, named);
            }

            if (owner is JinjaUndefined)
            {
                throw new JinjaRuntimeError($"cannot call '{method.Name}' on an undefined value.");
            }

            return JinjaBuiltins.CallMethod(owner, method.Name, positional, named);
        }

        var callee = Evaluate(call.Target, scope);
        return callee switch
        {
            JinjaFunction function => function(positional, named),
            JinjaUndefined when call.Target is NameExpression name => throw new JinjaRuntimeError($"'{name.Name}' is undefined and cannot be called."),
            _ => throw new JinjaRuntimeError($"{Describe(callee)} is not callable."),
        };
    }

    private (List<object?> Positional, Dictionary<string, object?> Named) EvaluateArguments(Arguments arguments, Scope scope)
    {
        var positional = arguments.Positional.Select(a => Evaluate(a, scope)).ToList();
        var named = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in arguments.Named)
        {
            named[name] = Evaluate(value, scope);
        }

        return (positional, named);
    }

    private object? EvaluateBinary(BinaryExpression binary, Scope scope)
    {
        var left = Evaluate(binary.Left, scope);
        switch (binary.Operator)
        {
            case "and":
                return JinjaValues.IsTrue(left) ? Evaluate(binary.Right, scope) : left;
            case "or":
                return JinjaValues.IsTrue(left) ? left : Evaluate(binary.Right, scope);
        }

        var right = Evaluate(binary.Right, scope);
        return binary.Operator switch
        {
            "~" => JinjaValues.ToText(left) + JinjaValues.ToText(right),
            "==" => JinjaValues.AreEqual(left, right),
            "!=" => !JinjaValues.AreEqual(left, right),
            "<" => Compare(left, right, "<") < 0,
            ">" => Compare(left, right, ">") > 0,
            "<=" => Compare(left, right, "<=") <= 0,
            ">=" => Compare(left, right, ">=") >= 0,
            "in" => JinjaBuiltins.Contains(right, left),
            "not in" => !JinjaBuiltins.Contains(right, left),
            "+" => Add(left, right),
            "*" when left is string text && right is long count => string.Concat(Enumerable.Repeat(text, (int)Math.Max(0, count))),
            "*" when left is List<object?> list && right is long times => Enumerable.Repeat(list, (int)Math.Max(0, times)).SelectMany(x => x).ToList(),
            _ => Arithmetic(binary.Operator, left, right),
        };
    }

    private static object? Add(object? left, object? right) => (left, right) switch
    {
        (string a, string b) => a + b,
        (List<object?> a, List<object?> b) => a.Concat(b).ToList(),
        _ when JinjaValues.IsNumber(left) && JinjaValues.IsNumber(right) => Arithmetic("+", left, right),
        _ => throw new JinjaRuntimeError($"cannot add {Describe(left)} and {Describe(right)}; use ~ to join values as text."),
    };

    private static object Arithmetic(string op, object? left, object? right)
    {
        if (!JinjaValues.IsNumber(left) || !JinjaValues.IsNumber(right))
        {
            throw new JinjaRuntimeError($"the operator '{op}' needs numbers, not {Describe(left)} and {Describe(right)}.");
        }

        var integers = left is long or bool && right is long or bool;
        if (integers)
        {
            var a = (long)JinjaValues.ToDouble(left);
            var b = (long)JinjaValues.ToDouble(right);
            switch (op)
            {
                case "+": return a + b;
                case "-": return a - b;
                case "*": return a * b;
                case "//" when b != 0: return (long)Math.Floor((double)a / b);
                case "%" when b != 0: return ((a % b) + b) % b;
                case "**" when b >= 0: return (long)Math.Pow(a, b);
            }
        }

        var x = JinjaValues.ToDouble(left);
        var y = JinjaValues.ToDouble(right);
        if (op is "/" or "//" or "%" && y == 0)
        {
            throw new JinjaRuntimeError("division by zero.");
        }

        return op switch
        {
            "+" => x + y,
            "-" => x - y,
            "*" => x * y,
            "/" => x / y,
            "//" => Math.Floor(x / y),
            "%" => x - (y * Math.Floor(x / y)),
            "**" => Math.Pow(x, y),
            _ => throw new JinjaRuntimeError($"unknown operator '{op}'."),
        };
    }

    private static int Compare(object? left, object? right, string op)
    {
        if (JinjaValues.IsNumber(left) && JinjaValues.IsNumber(right))
        {
            return JinjaValues.ToDouble(left).CompareTo(JinjaValues.ToDouble(right));
        }

        if (left is string a && right is string b)
        {
            return string.CompareOrdinal(a, b);
        }

        throw new JinjaRuntimeError($"cannot compare {Describe(left)} {op} {Describe(right)}.");
    }

    private static double Number(object? value, string op) =>
        JinjaValues.IsNumber(value) ? JinjaValues.ToDouble(value) : throw new JinjaRuntimeError($"the unary '{op}' needs a number, not {Describe(value)}.");

    private static object? GetAttribute(object? target, string name) => target switch
    {
        Dictionary<string, object?> dict => dict.TryGetValue(name, out var value) ? value : JinjaUndefined.Instance,
        JinjaNamespace ns => ns.Values.TryGetValue(name, out var value) ? value : JinjaUndefined.Instance,
        JinjaUndefined => throw new JinjaRuntimeError($"cannot read the attribute '{name}' of an undefined value."),
        _ => JinjaUndefined.Instance,
    };

    private static object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case Dictionary<string, object?> dict:
                return dict.TryGetValue(JinjaValues.ToText(key), out var value) ? value : JinjaUndefined.Instance;
            case JinjaNamespace ns:
                return ns.Values.TryGetValue(JinjaValues.ToText(key), out var attribute) ? attribute : JinjaUndefined.Instance;
            case List<object?> list when key is long index:
                var position = index < 0 ? list.Count + index : index;
                return position >= 0 && position < list.Count ? list[(int)position] : JinjaUndefined.Instance;
            case string text when key is long index:
                var characters = JinjaBuiltins.Characters(text);
                var at = index < 0 ? characters.Count + index : index;
                return at >= 0 && at < characters.Count ? characters[(int)at] : JinjaUndefined.Instance;
            case JinjaUndefined:
                throw new JinjaRuntimeError($"cannot read the item {JinjaValues.Repr(key)} of an undefined value.");
            default:
                return JinjaUndefined.Instance;
        }
    }

    private static object? Slice(object? target, object? start, object? stop, object? step)
    {
        var stepValue = step is null ? 1 : step as long? ?? throw new JinjaRuntimeError("a slice step must be an integer.");
        if (stepValue == 0)
        {
            throw new JinjaRuntimeError("a slice step cannot be zero.");
        }

        List<object?> items = target switch
        {
            List<object?> list => list,
            string text => [.. JinjaBuiltins.Characters(text)],
            _ => throw new JinjaRuntimeError($"cannot slice {Describe(target)}."),
        };

        var length = items.Count;
        long Clamp(object? value, long fallback, long low, long high)
        {
            if (value is null)
            {
                return fallback;
            }

            var index = value as long? ?? throw new JinjaRuntimeError("slice bounds must be integers.");
            if (index < 0)
            {
                index += length;
            }

            return Math.Clamp(index, low, high);
        }

        var result = new List<object?>();
        if (stepValue > 0)
        {
            var from = Clamp(start, 0, 0, length);
            var to = Clamp(stop, length, 0, length);
            for (var i = from; i < to; i += stepValue)
            {
                result.Add(items[(int)i]);
            }
        }
        else
        {
            var from = Clamp(start, length - 1, -1, length - 1);
            var to = Clamp(stop, -1, -1, length - 1);
            for (var i = from; i > to; i += stepValue)
            {
                result.Add(items[(int)i]);
            }
        }

        return target is string ? string.Concat(result.Cast<string>()) : result;
    }

    private List<object?> Iterate(object? value, JinjaToken at) => value switch
    {
        List<object?> list => [.. list],
        Dictionary<string, object?> dict => [.. dict.Keys],
        string text => [.. JinjaBuiltins.Characters(text)],
        JinjaUndefined => [],
        _ => throw Error(at, $"cannot loop over {Describe(value)}."),
    };

    private static object Range(IReadOnlyList<object?> positional, IReadOnlyDictionary<string, object?> named)
    {
        var numbers = positional.Select(p => p as long? ?? throw new JinjaRuntimeError("range() needs integer arguments.")).ToArray();
        var (start, stop, step) = numbers.Length switch
        {
            1 => (0L, numbers[0], 1L),
            2 => (numbers[0], numbers[1], 1L),
            3 => (numbers[0], numbers[1], numbers[2]),
            _ => throw new JinjaRuntimeError("range() takes one to three arguments."),
        };
        if (step == 0)
        {
            throw new JinjaRuntimeError("range() step cannot be zero.");
        }

        var result = new List<object?>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            result.Add(i);
        }

        return result;
    }

    internal static string Describe(object? value) => value switch
    {
        null => "none",
        JinjaUndefined => "an undefined value",
        string => "a string",
        bool => "a boolean",
        long => "an integer",
        double => "a float",
        List<object?> => "a list",
        Dictionary<string, object?> => "a dict",
        JinjaNamespace => "a namespace",
        JinjaFunction => "a function",
        _ => value.GetType().Name,
    };

    private JinjaTemplateException Error(JinjaToken at, string message) => new(source, at.Line, at.Column, message);

    private sealed class Scope(Scope? parent)
    {
        private readonly Dictionary<string, object?> values = new(StringComparer.Ordinal);

        private Scope? Parent => parent;

        public object? Lookup(string name)
        {
            for (var scope = this; scope is not null; scope = scope.Parent)
            {
                if (scope.values.TryGetValue(name, out var value))
                {
                    return value;
                }
            }

            return JinjaUndefined.Instance;
        }

        public void Set(string name, object? value) => values[name] = value;
    }
}
