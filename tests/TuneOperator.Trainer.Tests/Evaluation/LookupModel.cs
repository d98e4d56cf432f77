using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Evaluation;

/// <summary>A model whose outputs are hand-set rows of a table: per position, or mean-pooled for classification.</summary>
internal sealed class LookupModel : nn.Module<Tensor, Tensor>
{
    private readonly Embedding table;
    private readonly bool pool;

    public LookupModel(float[,] rows, bool pool)
        : base(nameof(LookupModel))
    {
        table = nn.Embedding(rows.GetLength(0), rows.GetLength(1));
        using (no_grad())
        {
            table.weight!.copy_(tensor(rows));
        }

        this.pool = pool;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var values = table.call(input);
        return pool ? values.mean([1]) : values;
    }
}
