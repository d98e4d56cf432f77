namespace TuneOperator.Controller.Runtime;

/// <summary>One page of a list call.</summary>
/// <param name="Items">The objects of this page.</param>
/// <param name="ResourceVersion">The list's resourceVersion (watch from here after the last page).</param>
/// <param name="Continue">The token of the next page, null or empty after the last page.</param>
public sealed record ResourceListPage<T>(IReadOnlyList<T> Items, string ResourceVersion, string? Continue);
