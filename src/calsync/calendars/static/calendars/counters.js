// Length counters of text fields with a server limit: "240 / 255" appears near the limit,
// so nothing is cut silently by maxlength ([data-count-for=<input id>] elements).

const NEAR = 0.8;

function update(counter, input) {
  const max = Number(input.maxLength);
  const length = input.value.length;
  counter.hidden = !(max > 0 && length >= max * NEAR);
  counter.classList.toggle("counter-full", length >= max);
  counter.textContent = length >= max
    ? interpolate(gettext("Limit reached: %(max)s characters."), { max }, true)
    : `${length} / ${max}`;
}

/** Wire every counter under root; returns refresh() for when a script filled the inputs. */
export function bindCounters(root) {
  const pairs = [...root.querySelectorAll("[data-count-for]")]
    .map((counter) => [counter, document.getElementById(counter.dataset.countFor)])
    .filter(([, input]) => input);
  for (const [counter, input] of pairs) input.addEventListener("input", () => update(counter, input));
  return () => pairs.forEach(([counter, input]) => update(counter, input));
}
