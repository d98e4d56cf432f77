namespace TuneOperator.Testing.Schema;

/// <summary>A node of a parsed CEL expression.</summary>
internal abstract record CelExpr(int Position);

/// <summary>A literal constant (null, bool, int as long, uint, double, string, bytes).</summary>
internal sealed record CelLiteral(object? Value, int Position) : CelExpr(Position);

/// <summary>A variable or type name.</summary>
internal sealed record CelIdent(string Name, int Position) : CelExpr(Position);

/// <summary>Field selection <c>operand.field</c>.</summary>
internal sealed record CelSelect(CelExpr Operand, string Field, int Position) : CelExpr(Position);

/// <summary>The <c>has(operand.field)</c> presence test.</summary>
internal sealed record CelHas(CelSelect Select, int Position) : CelExpr(Position);

/// <summary>A unary operator: <c>!</c> or <c>-</c>.</summary>
internal sealed record CelUnary(string Operator, CelExpr Operand, int Position) : CelExpr(Position);

/// <summary>A binary operator: arithmetic, relation, <c>in</c>, <c>&amp;&amp;</c>, <c>||</c>.</summary>
internal sealed record CelBinary(string Operator, CelExpr Left, CelExpr Right, int Position) : CelExpr(Position);

/// <summary>The ternary <c>condition ? then : otherwise</c>.</summary>
internal sealed record CelConditional(CelExpr Condition, CelExpr Then, CelExpr Otherwise, int Position) : CelExpr(Position);

/// <summary>Indexing <c>operand[index]</c>.</summary>
internal sealed record CelIndex(CelExpr Operand, CelExpr Index, int Position) : CelExpr(Position);

/// <summary>A function call, global (<c>size(x)</c>) or receiver-style (<c>x.size()</c>).</summary>
internal sealed record CelCall(string Function, CelExpr? Target, IReadOnlyList<CelExpr> Args, int Position) : CelExpr(Position);

/// <summary>A list literal.</summary>
internal sealed record CelListLiteral(IReadOnlyList<CelExpr> Elements, int Position) : CelExpr(Position);

/// <summary>A map literal.</summary>
internal sealed record CelMapLiteral(IReadOnlyList<(CelExpr Key, CelExpr Value)> Entries, int Position) : CelExpr(Position);

/// <summary>The comprehension macros.</summary>
internal enum CelMacro
{
    All,
    Exists,
    ExistsOne,
    Map,
    Filter,
}

/// <summary>A comprehension macro over <c>Range</c> with iteration variable <c>Variable</c>: <c>Predicate</c> for
/// all/exists/exists_one/filter and the optional filter of map; <c>Transform</c> for map.</summary>
internal sealed record CelComprehension(
    CelMacro Macro, CelExpr Range, string Variable, CelExpr? Predicate, CelExpr? Transform, int Position) : CelExpr(Position);
