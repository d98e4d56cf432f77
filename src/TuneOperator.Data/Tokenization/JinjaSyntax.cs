namespace TuneOperator.Data.Tokenization;

/// <summary>A node of a parsed Jinja template, with the token where it starts (for error positions).</summary>
internal abstract record JinjaNode(JinjaToken At);

internal sealed record TextNode(JinjaToken At, string Text) : JinjaNode(At);

internal sealed record OutputNode(JinjaToken At, JinjaExpression Value) : JinjaNode(At);

internal sealed record IfNode(JinjaToken At, IReadOnlyList<(JinjaExpression Condition, IReadOnlyList<JinjaNode> Body)> Branches, IReadOnlyList<JinjaNode> Otherwise) : JinjaNode(At);

internal sealed record ForNode(JinjaToken At, IReadOnlyList<string> Targets, JinjaExpression Iterable, JinjaExpression? Filter, IReadOnlyList<JinjaNode> Body, IReadOnlyList<JinjaNode> Otherwise) : JinjaNode(At);

internal sealed record SetNode(JinjaToken At, JinjaExpression Target, JinjaExpression? Value, IReadOnlyList<JinjaNode>? Body) : JinjaNode(At);

internal sealed record BlockNode(JinjaToken At, IReadOnlyList<JinjaNode> Body) : JinjaNode(At);

internal sealed record LoopControlNode(JinjaToken At, bool IsBreak) : JinjaNode(At);

/// <summary>An expression of a Jinja template.</summary>
internal abstract record JinjaExpression(JinjaToken At);

internal sealed record LiteralExpression(JinjaToken At, object? Value) : JinjaExpression(At);

internal sealed record NameExpression(JinjaToken At, string Name) : JinjaExpression(At);

internal sealed record ListExpression(JinjaToken At, IReadOnlyList<JinjaExpression> Items) : JinjaExpression(At);

internal sealed record DictExpression(JinjaToken At, IReadOnlyList<(JinjaExpression Key, JinjaExpression Value)> Items) : JinjaExpression(At);

internal sealed record AttributeExpression(JinjaToken At, JinjaExpression Target, string Name) : JinjaExpression(At);

internal sealed record IndexExpression(JinjaToken At, JinjaExpression Target, JinjaExpression Index) : JinjaExpression(At);

internal sealed record SliceExpression(JinjaToken At, JinjaExpression Target, JinjaExpression? Start, JinjaExpression? Stop, JinjaExpression? Step) : JinjaExpression(At);

internal sealed record Arguments(IReadOnlyList<JinjaExpression> Positional, IReadOnlyList<(string Name, JinjaExpression Value)> Named)
{
    public static readonly Arguments None = new([], []);
}

internal sealed record CallExpression(JinjaToken At, JinjaExpression Target, Arguments Arguments) : JinjaExpression(At);

internal sealed record FilterExpression(JinjaToken At, JinjaExpression Target, string Name, Arguments Arguments) : JinjaExpression(At);

internal sealed record TestExpression(JinjaToken At, JinjaExpression Target, string Name, Arguments Arguments, bool Negated) : JinjaExpression(At);

internal sealed record UnaryExpression(JinjaToken At, string Operator, JinjaExpression Operand) : JinjaExpression(At);

internal sealed record BinaryExpression(JinjaToken At, string Operator, JinjaExpression Left, JinjaExpression Right) : JinjaExpression(At);

internal sealed record ConditionalExpression(JinjaToken At, JinjaExpression Condition, JinjaExpression WhenTrue, JinjaExpression? WhenFalse) : JinjaExpression(At);
