namespace TuneOperator.Data.Datasets;

/// <summary>Which end of a sequence receives padding when a batch is padded to its longest example.</summary>
public enum PaddingSide
{
    /// <summary>Padding after the tokens (training default).</summary>
    Right,

    /// <summary>Padding before the tokens (generation, last-token classification pooling).</summary>
    Left,
}
