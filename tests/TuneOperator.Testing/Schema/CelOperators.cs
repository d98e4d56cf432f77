namespace TuneOperator.Testing.Schema;

/// <summary>CEL's arithmetic, relational, membership and index operators, with overflow and overload errors.</summary>
internal static class CelOperators
{
    public static object? Binary(string op, object? left, object? right)
    {
        if (left is CelError leftError)
        {
            return leftError;
        }

        if (right is CelError rightError)
        {
            return rightError;
        }

        return op switch
        {
            "==" => CelValues.Equal(left, right),
            "!=" => CelValues.Equal(left, right) is bool b ? !b : CelValues.Equal(left, right),
            "<" or "<=" or ">" or ">=" => Relation(op, left, right),
            "in" => In(left, right),
            "+" => Add(left, right),
            "-" => Subtract(left, right),
            "*" => Multiply(left, right),
            "/" => Divide(left, right),
            "%" => Modulo(left, right),
            _ => new CelError($"unknown operator {op}"),
        };
    }

    /// <summary>Orders two values of the same type; null when they are not comparable.</summary>
    public static int? Compare(object? left, object? right) => (left, right) switch
    {
        (long a, long b) => a.CompareTo(b),
        (ulong a, ulong b) => a.CompareTo(b),
        (double a, double b) when !double.IsNaN(a) && !double.IsNaN(b) => a.CompareTo(b),
        (string a, string b) => string.CompareOrdinal(a, b) switch { < 0 => -1, 0 => 0, _ => 1 },
        (bool a, bool b) => a.CompareTo(b),
        (CelBytes a, CelBytes b) => a.Value.AsSpan().SequenceCompareTo(b.Value),
        (TimeSpan a, TimeSpan b) => a.CompareTo(b),
        (DateTimeOffset a, DateTimeOffset b) => a.CompareTo(b),
        _ => null,
    };

    private static object Relation(string op, object? left, object? right)
    {
        if (left is double a && right is double b && (double.IsNaN(a) || double.IsNaN(b)))
        {
            return false;
        }

        var c = Compare(left, right);
        if (c is null)
        {
            return CelError.NoOverload("_" + op + "_", left, right);
        }

        return op switch
        {
            "<" => c < 0,
            "<=" => c <= 0,
            ">" => c > 0,
            _ => c >= 0,
        };
    }

    private static object In(object? element, object? container)
    {
        switch (container)
        {
            case IReadOnlyList<object?> list:
                CelError? error = null;
                foreach (var item in list)
                {
                    var equal = CelValues.Equal(element, item);
                    if (equal is true)
                    {
                        return true;
                    }

                    error ??= equal as CelError;
                }

                return error ?? (object)false;
            case CelMap map:
                return element is string or long or ulong or bool
                    ? map.TryGet(element, out _)
                    : CelError.NoOverload("@in", element, container);
            default:
                return CelError.NoOverload("@in", element, container);
        }
    }

    private static object Add(object? left, object? right)
    {
        try
        {
            return (left, right) switch
            {
                (long a, long b) => checked(a + b),
                (ulong a, ulong b) => checked(a + b),
                (double a, double b) => a + b,
                (string a, string b) => a + b,
                (CelBytes a, CelBytes b) => new CelBytes([.. a.Value, .. b.Value]),
                (IReadOnlyList<object?> a, IReadOnlyList<object?> b) => (List<object?>)[.. a, .. b],
                (TimeSpan a, TimeSpan b) => a + b,
                (DateTimeOffset a, TimeSpan b) => a + b,
                (TimeSpan a, DateTimeOffset b) => b + a,
                _ => CelError.NoOverload("_+_", left, right),
            };
        }
        catch (Exception ex) when (ex is OverflowException or ArgumentOutOfRangeException)
        {
            return new CelError("integer overflow");
        }
    }

    private static object Subtract(object? left, object? right)
    {
        try
        {
            return (left, right) switch
            {
                (long a, long b) => checked(a - b),
                (ulong a, ulong b) => checked(a - b),
                (double a, double b) => a - b,
                (TimeSpan a, TimeSpan b) => a - b,
                (DateTimeOffset a, TimeSpan b) => a - b,
                (DateTimeOffset a, DateTimeOffset b) => a - b,
                _ => CelError.NoOverload("_-_", left, right),
            };
        }
        catch (Exception ex) when (ex is OverflowException or ArgumentOutOfRangeException)
        {
            return new CelError("integer overflow");
        }
    }

    private static object Multiply(object? left, object? right)
    {
        try
        {
            return (left, right) switch
            {
                (long a, long b) => checked(a * b),
                (ulong a, ulong b) => checked(a * b),
                (double a, double b) => a * b,
                _ => CelError.NoOverload("_*_", left, right),
            };
        }
        catch (OverflowException)
        {
            return new CelError("integer overflow");
        }
    }

    private static object Divide(object? left, object? right) => (left, right) switch
    {
        (long, 0L) or (ulong, 0UL) => new CelError("division by zero"),
        (long a, long b) => a == long.MinValue && b == -1 ? new CelError("integer overflow") : a / b,
        (ulong a, ulong b) => a / b,
        (double a, double b) => a / b,
        _ => CelError.NoOverload("_/_", left, right),
    };

    private static object Modulo(object? left, object? right) => (left, right) switch
    {
        (long, 0L) or (ulong, 0UL) => new CelError("modulus by zero"),
        (long a, long b) => a == long.MinValue && b == -1 ? new CelError("integer overflow") : a % b,
        (ulong a, ulong b) => a % b,
        _ => CelError.NoOverload("_%_", left, right),
    };

    public static object? Index(object? operand, object? index)
    {
        if (operand is CelError e)
        {
            return e;
        }

        if (index is CelError ie)
        {
            return ie;
        }

        switch (operand)
        {
            case IReadOnlyList<object?> list:
                long position;
                switch (index)
                {
                    case long l:
                        position = l;
                        break;
                    case ulong u when u <= long.MaxValue:
                        position = (long)u;
                        break;
                    case double d when d == Math.Floor(d) && Math.Abs(d) < 9e15:
                        position = (long)d;
                        break;
                    default:
                        return CelError.NoOverload("_[_]", operand, index);
                }

                return position >= 0 && position < list.Count
                    ? list[(int)position]
                    : new CelError($"index out of bounds: {position}");
            case CelMap map:
                if (index is not (string or long or ulong or bool))
                {
                    return CelError.NoOverload("_[_]", operand, index);
                }

                return map.TryGet(index, out var value) ? value : new CelError($"no such key: {index}");
            default:
                return CelError.NoOverload("_[_]", operand, index);
        }
    }
}
