using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Training;

/// <summary>A tiny recurrent language model: embedding, dropout, GRU, linear head.</summary>
internal sealed class TinyLanguageModel : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embed;
    private readonly Dropout dropout;
    private readonly GRU gru;
    private readonly Linear head;

    public TinyLanguageModel(int vocabulary, int width, double dropoutRate = 0.0)
        : base(nameof(TinyLanguageModel))
    {
        embed = nn.Embedding(vocabulary, width);
        dropout = nn.Dropout(dropoutRate);
        gru = nn.GRU(width, width, batchFirst: true);
        head = nn.Linear(width, vocabulary);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var hidden = dropout.call(embed.call(input));
        var (output, _) = gru.call(hidden, null);
        return head.call(output);
    }
}
