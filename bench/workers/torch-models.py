# SPDX-License-Identifier: MIT
# The PyTorch fp32 twin of one models-bench configuration: the same network as lowbit's
# (architecture, shapes, batch, SGD with momentum, cross-entropy), trained on random data of
# the same shape for `warmup` steps, then timed until `seconds` have passed (at least
# `minSteps`, at most `maxSteps`). argv[1]: JSON job; prints one JSON line.
# Run by bench/models.ts with an interpreter that imports torch (Debian's python3-torch).

import json
import math
import resource
import sys
import time

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def lenet5(c, h, w, classes):
    # conv 5x5x6 (pad 2), pool, conv 5x5x16, pool, fc 120, fc 84, fc (as src/models/lenet5.ts)
    hh = ((h // 2) - 4) // 2
    ww = ((w // 2) - 4) // 2
    return nn.Sequential(
        nn.Conv2d(c, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * hh * ww, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, classes))


class BasicBlock(nn.Module):
    # conv3x3(stride)-BN-ReLU-conv3x3-BN + (identity | 1x1 conv + BN), ReLU (src/nn/residual.ts)
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                      nn.BatchNorm2d(cout))

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return torch.relu(h + (self.proj(x) if self.proj is not None else x))


def resnet(c, classes, n, width=16):
    layers = [nn.Conv2d(c, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    cin = width
    for stage in range(3):
        cout = width * 2 ** stage
        for b in range(n):
            layers.append(BasicBlock(cin, cout, 2 if stage > 0 and b == 0 else 1))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def lstm_layer(inp, hidden):
    # lowbit's LSTM has one bias vector; PyTorch's has two (b_ih + b_hh). The second is zeroed
    # and frozen so both train the same parameters (counts compared by the bench).
    m = nn.LSTM(inp, hidden, batch_first=True)
    with torch.no_grad():
        m.bias_hh_l0.zero_()
    m.bias_hh_l0.requires_grad_(False)
    return m


class LstmClassifier(nn.Module):
    # LSTM 64 over (T, F) -> fc on the last hidden state (src/models/lstm.ts)
    def __init__(self, features, classes, hidden=64):
        super().__init__()
        self.lstm = lstm_layer(features, hidden)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.fc(h[-1])


class Seq2Seq(nn.Module):
    # Embedding 32 -> LSTM 64 encoder (over real lengths); embedding -> LSTM 64 decoder from the
    # encoder's final state; scaled dot attention over valid source steps;
    # out = W_o tanh(W_c [context; h]) (src/models/seq2seq.ts)
    def __init__(self, src_vocab, tgt_vocab, embed=32, hidden=64):
        super().__init__()
        self.hidden = hidden
        self.src_emb = nn.Embedding(src_vocab, embed)
        self.encoder = lstm_layer(embed, hidden)
        self.tgt_emb = nn.Embedding(tgt_vocab, embed)
        self.decoder = lstm_layer(embed, hidden)
        self.combine = nn.Linear(2 * hidden, hidden)
        self.out = nn.Linear(hidden, tgt_vocab)

    def forward(self, src, src_len, tgt_in):
        packed = pack_padded_sequence(self.src_emb(src), src_len, batch_first=True,
                                      enforce_sorted=False)
        enc, state = self.encoder(packed)
        enc, _ = pad_packed_sequence(enc, batch_first=True, total_length=src.shape[1])
        dec, _ = self.decoder(self.tgt_emb(tgt_in), state)
        scores = torch.bmm(dec, enc.transpose(1, 2)) / math.sqrt(self.hidden)
        valid = torch.arange(src.shape[1])[None, :] < src_len[:, None]
        scores = scores.masked_fill(~valid[:, None, :], float('-inf'))
        ctx = torch.bmm(torch.softmax(scores, dim=2), enc)
        z = torch.tanh(self.combine(torch.cat([ctx, dec], dim=2)))
        return self.out(z).reshape(-1, self.out.out_features)


def dcgan(z=64):
    # as src/models/dcgan.ts: G z -> convT7 (64) BN ReLU -> convT4/2 (32) BN ReLU -> convT4/2 (1)
    # tanh; D conv4/2 (32) LReLU -> conv4/2 (64) BN LReLU -> fc -> logit
    g = nn.Sequential(
        nn.ConvTranspose2d(z, 64, 7, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 32, 4, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 4, 2, 1), nn.Tanh())
    d = nn.Sequential(
        nn.Conv2d(1, 32, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(32, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 1))
    return g, d


def gan_stepper(job, gen):
    """One batch of DCGAN training (a D step, then a G step), as lowbit's GAN task."""
    b, z = job['batch'], 64
    g, d = dcgan(z)
    og = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    od = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    real = [torch.rand(b, 1, 28, 28, generator=gen) * 2 - 1 for _ in range(4)]
    ones, zeros = torch.ones(b, 1), torch.zeros(b, 1)

    def step(k):
        od.zero_grad(set_to_none=True)
        fake = g(torch.randn(b, z, 1, 1, generator=gen))
        ld = bce(d(real[k % 4]), ones) + bce(d(fake.detach()), zeros)
        ld.backward()
        od.step()
        og.zero_grad(set_to_none=True)
        lg = bce(d(g(torch.randn(b, z, 1, 1, generator=gen))), ones)
        lg.backward()
        og.step()
        return lg.item()

    params = sum(p.numel() for p in [*g.parameters(), *d.parameters()])
    return step, params


class TransformerTwin(nn.Module):
    # src/models/transformer.ts: embeddings + sinusoidal positions, pre-LayerNorm encoder and
    # decoder (1 layer each, d_model 32, 2 heads, FFN 64 ReLU, final LayerNorms), padded
    # source keys masked, causal decoder self-attention, Linear to target logits.
    def __init__(self, src_vocab, tgt_vocab, dim=32, heads=2, ffn=64, layers=1):
        super().__init__()
        self.src_emb = nn.Embedding(src_vocab, dim)
        self.tgt_emb = nn.Embedding(tgt_vocab, dim)
        self.core = nn.Transformer(d_model=dim, nhead=heads, num_encoder_layers=layers,
                                   num_decoder_layers=layers, dim_feedforward=ffn, dropout=0.0,
                                   batch_first=True, norm_first=True)
        self.out = nn.Linear(dim, tgt_vocab)
        pos = torch.arange(64)[:, None].float()
        i = torch.arange(dim)[None, :]
        ang = pos / torch.pow(10000.0, (2 * (i // 2)).float() / dim)
        self.register_buffer('pe', torch.where(i % 2 == 0, torch.sin(ang), torch.cos(ang)))

    def forward(self, src, src_len, tgt_in):
        S, T = src.shape[1], tgt_in.shape[1]
        pad = torch.arange(S)[None, :] >= src_len[:, None]
        causal = self.core.generate_square_subsequent_mask(T)
        y = self.core(self.src_emb(src) + self.pe[:S], self.tgt_emb(tgt_in) + self.pe[:T],
                      tgt_mask=causal, src_key_padding_mask=pad, memory_key_padding_mask=pad)
        return self.out(y).reshape(-1, self.out.out_features)


def batches(job, gen):
    """A few batches of random data of the model's shapes: (model, make_step_inputs)."""
    b = job['batch']
    if job['model'] in ('seq2seq', 'transformer'):
        s = job['seq2seq']
        S, T, pad = s['srcLen'], s['tgtLen'], s['pad']
        twin = Seq2Seq if job['model'] == 'seq2seq' else TransformerTwin
        model = twin(s['srcVocab'], s['tgtVocab'])
        out = []
        lens = s['srcLens']
        tlens = s['tgtLens']
        for k in range(4):
            sl = torch.tensor([lens[(k * b + i) % len(lens)] for i in range(b)])
            tl = torch.tensor([tlens[(k * b + i) % len(tlens)] for i in range(b)])
            src = torch.randint(4, s['srcVocab'], (b, S), generator=gen)
            src[torch.arange(S)[None, :] >= sl[:, None]] = pad
            tgt = torch.randint(4, s['tgtVocab'], (b, T + 1), generator=gen)
            tgt[torch.arange(T + 1)[None, :] >= tl[:, None]] = pad
            out.append(((src, sl, tgt[:, :-1]), tgt[:, 1:].reshape(-1)))
        return model, out, nn.CrossEntropyLoss(ignore_index=pad)
    shape, classes = job['inputShape'], job['classes']
    if job['model'] == 'lenet5':
        model = lenet5(*shape, classes)
    elif job['model'] == 'resnet20':
        model = resnet(shape[0], classes, 3)
    elif job['model'] == 'resnet8':
        model = resnet(shape[0], classes, 1)
    elif job['model'] == 'lstm':
        model = LstmClassifier(shape[1], classes)
    else:
        raise SystemExit(f"no PyTorch twin of model {job['model']}")
    out = [((torch.randn(b, *shape, generator=gen),),
            torch.randint(0, classes, (b,), generator=gen)) for _ in range(4)]
    return model, out, nn.CrossEntropyLoss()


def main():
    job = json.loads(sys.argv[1])
    torch.set_num_threads(job['threads'])
    gen = torch.Generator().manual_seed(job['seed'])
    torch.manual_seed(job['seed'])
    if job['model'] == 'dcgan':
        step, params = gan_stepper(job, gen)
    else:
        model, data, loss_fn = batches(job, gen)
        model.train()
        opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=job['lr'],
                              momentum=job['momentum'])
        params = sum(p.numel() for p in model.parameters() if p.requires_grad)

        def step(k):
            x, y = data[k % len(data)]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(*x), y)
            loss.backward()
            opt.step()
            return loss.item()

    for k in range(job['warmup']):
        step(k)
    t0 = time.perf_counter()
    c0 = time.process_time()  # CPU time of all threads, as lowbit's worker measures
    steps = 0
    while steps < job['maxSteps'] and (steps < job['minSteps']
                                       or time.perf_counter() - t0 < job['seconds']):
        step(job['warmup'] + steps)
        steps += 1
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(json.dumps({
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'steps': steps,
        'seconds': seconds,
        'samples_per_s': steps * job['batch'] / seconds,
        'cpu_seconds': cpu,
        'samples_per_cpu_s': steps * job['batch'] / cpu,
        'params': params,
        'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


main()
