// The web reader (SPEC L8): foliate-js renders the EPUB fetched from the loan's signed URL; the position is
// saved to the server as an EPUB CFI (debounced) and restored from it, so another device continues there.
import '../vendor/foliate-js/view.js'

const root = document.getElementById('reader')
const status = document.getElementById('reader-status')
const csrf = root.dataset.csrf
const settings = JSON.parse(localStorage.getItem('reader-settings') || '{}')
let fontSize = settings.fontSize || 100
let night = Boolean(settings.night)
let flow = settings.flow || 'paginated'

const view = document.createElement('foliate-view')
document.getElementById('reader-pages').append(view)

const css = () => `
  html { color-scheme: ${night ? 'dark' : 'light'}; }
  html, body { background: ${night ? '#111' : '#fff'} !important; color: ${night ? '#ddd' : '#111'} !important; }
  body { font-size: ${fontSize}% !important; line-height: 1.5; }
  a { color: ${night ? '#9cf' : '#036'} !important; }
`

const apply = () => {
    localStorage.setItem('reader-settings', JSON.stringify({ fontSize, night, flow }))
    view.renderer?.setAttribute('flow', flow)
    view.renderer?.setStyles?.(css())
    document.body.classList.toggle('reader-night', night)
    document.getElementById('reader-flow').textContent = flow === 'paginated'
        ? root.dataset.labelScrolled : root.dataset.labelPaged
}

let saveTimer = null
const save = (cfi, fraction) => {
    clearTimeout(saveTimer)
    saveTimer = setTimeout(() => {
        fetch(root.dataset.positionUrl, {
            method: 'PUT',
            headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf },
            body: JSON.stringify({ locator: cfi, fraction: Math.min(1, Math.max(0, fraction || 0)) }),
            credentials: 'same-origin',
        }).then(response => { root.dataset.saved = response.ok ? cfi : '' })
    }, 400)
}

const buildToc = items => {
    const list = document.getElementById('reader-toc')
    for (const item of items ?? []) {
        const li = document.createElement('li')
        const link = document.createElement('a')
        link.href = '#'
        link.textContent = item.label?.trim() || '…'
        link.addEventListener('click', event => { event.preventDefault(); view.goTo(item.href) })
        li.append(link)
        list.append(li)
    }
}

const open = async () => {
    const response = await fetch(root.dataset.bookUrl, { credentials: 'same-origin' })
    if (!response.ok) throw new Error(String(response.status))
    const file = new File([await response.blob()], 'book.epub', { type: 'application/epub+zip' })
    await view.open(file)
    buildToc(view.book.toc)
    view.addEventListener('relocate', event => {
        const { cfi, fraction } = event.detail
        document.getElementById('reader-progress').textContent = `${Math.round((fraction || 0) * 100)} %`
        root.dataset.location = cfi
        if (cfi) save(cfi, fraction)
    })
    apply()
    const saved = await fetch(root.dataset.positionUrl, { credentials: 'same-origin' }).then(r => r.json())
    await view.init({ lastLocation: saved.locator || null, showTextStart: !saved.locator })
    root.dataset.ready = '1'
    status.textContent = ''
}

document.getElementById('reader-prev').addEventListener('click', () => view.goLeft())
document.getElementById('reader-next').addEventListener('click', () => view.goRight())
document.getElementById('reader-smaller').addEventListener('click', () => { fontSize = Math.max(60, fontSize - 10); apply() })
document.getElementById('reader-larger').addEventListener('click', () => { fontSize = Math.min(250, fontSize + 10); apply() })
document.getElementById('reader-night').addEventListener('click', () => { night = !night; apply() })
document.getElementById('reader-flow').addEventListener('click', () => {
    flow = flow === 'paginated' ? 'scrolled' : 'paginated'
    apply()
})
const keys = event => {
    if (event.key === 'ArrowLeft' || event.key === 'PageUp') view.goLeft()
    else if (event.key === 'ArrowRight' || event.key === 'PageDown' || event.key === ' ') view.goRight()
    else return
    event.preventDefault()
}
document.addEventListener('keydown', keys)
// Keys and swipes inside the book's frame reach the frame's document, not ours.
view.addEventListener('load', event => {
    const doc = event.detail.doc
    doc.addEventListener('keydown', keys)
    let startX = null
    doc.addEventListener('touchstart', e => { startX = e.changedTouches[0].screenX }, { passive: true })
    doc.addEventListener('touchend', e => {
        if (startX === null) return
        const dx = e.changedTouches[0].screenX - startX
        if (Math.abs(dx) > 40) dx < 0 ? view.goRight() : view.goLeft()
        startX = null
    }, { passive: true })
})

open().catch(() => { status.textContent = root.dataset.labelError })
